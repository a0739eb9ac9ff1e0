/**
 * Inbound commands: journal first, then acknowledge, then hand the deployment to the queue. A
 * re-delivered command is only acknowledged again; the journal says it is already in hand.
 */
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { DeckhandError } from '../../../protocol/src/errors.ts';
import type { CommandBody, CoordBodies } from '../../../protocol/src/messages.ts';
import type { Journal } from '../journal/journal.ts';
import { asDiskFull, isDiskFull } from '../util/disk-full.ts';

/** Where journaled commands go to be run, one deployment at a time. */
export interface CommandQueue {
  enqueue(commandId: string): void;
  /** Aborts the deployment if it is queued or running; false when it is not here. */
  cancel(deploymentId: string): boolean;
}

export interface DispatchDeps {
  clock: Clock;
  logger: Logger;
  journal: Pick<Journal, 'recordCommand'>;
  queue: CommandQueue;
  /** Sends agent.command.ack; a lost ack is fine, the coordinator re-sends the command. */
  ack: (commandId: string) => void;
  /** Tells the coordinator a command cannot be carried out here (the disk is full), with its code. */
  unrunnable?: UnrunnableReport;
}

/** Reports a command the host cannot carry out, so the coordinator fails it by name. */
export type UnrunnableReport = (ids: { commandId: string; deploymentId: string }, err: DeckhandError) => void;

export class CommandDispatcher {
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly deps: DispatchDeps) {
    this.log = deps.logger.child({ component: 'dispatch' });
  }

  /** Journals, acknowledges and enqueues a command (only enqueues it the first time). */
  onCommand(body: CommandBody): void {
    if (this.stopped) return;
    const fields = { commandId: body.commandId, deploymentId: body.deploymentId };
    let isNew: boolean;
    try {
      isNew = this.deps.journal.recordCommand(body, this.deps.clock.now());
    } catch (err) {
      // Unjournaled means unacked: the coordinator will send it again once we can write. A full
      // disk is said at once, so the host fails DISK_FULL instead of timing out.
      const named = asDiskFull(err, 'journaling the command');
      this.log.error('could not journal a command', { ...fields, error: (named as Error).message });
      if (isDiskFull(named)) this.deps.unrunnable?.(fields, named as DeckhandError);
      return;
    }
    this.deps.ack(body.commandId);
    if (isNew) {
      this.log.info('command received', fields);
      this.deps.queue.enqueue(body.commandId);
    } else {
      this.log.info('duplicate command re-acknowledged', fields);
    }
  }

  /** Asks the queue to stop a deployment. */
  onCancel(body: CoordBodies['coord.cancel']): void {
    const found = this.deps.queue.cancel(body.deploymentId);
    this.log.info('cancel requested', { deploymentId: body.deploymentId, found });
  }

  /** Stops taking commands (shutdown): they stay unacked, so the coordinator re-sends them later. */
  stop(): void {
    this.stopped = true;
  }
}
