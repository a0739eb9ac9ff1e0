/**
 * Runs journaled deployment commands one at a time, in arrival order. It is the CommandQueue the
 * transport's dispatcher feeds, and it owns the abort controller of the running deployment.
 */
import type { TimerHandle } from '../../../common/src/clock.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { resumeDeployment, runDeployment } from './deployment.ts';
import type { StoredCommand } from '../journal/types.ts';
import type { LifecycleDeps } from './types.ts';
import { asDiskFull, isDiskFull } from '../util/disk-full.ts';

export class DeploymentQueue {
  private readonly pending: string[] = [];
  /** Commands whose deployment an earlier agent started: continued, not started. */
  private readonly resuming = new Set<string>();
  private readonly cancelled = new Set<string>();
  private current: { deploymentId: string; controller: AbortController; detach: AbortController } | undefined;
  private pump: Promise<void> = Promise.resolve();
  private pumping = false;
  private stopped = false;

  constructor(private readonly deps: LifecycleDeps) {}

  /** Queues a journaled command's deployment. */
  enqueue(commandId: string): void {
    if (this.stopped || this.pending.includes(commandId)) return;
    this.pending.push(commandId);
    if (!this.pumping) {
      this.pumping = true;
      this.pump = this.drain();
    }
  }

  /** Queues the continuation of a deployment an earlier agent left running (recovery.ts). */
  resume(commandId: string): void {
    this.resuming.add(commandId);
    this.enqueue(commandId);
  }

  /** Stops a running or queued deployment; false when it is neither. */
  cancel(deploymentId: string): boolean {
    const reason = new DeckhandError('MANUAL_STOP', 'the deployment was stopped from the coordinator');
    if (this.current?.deploymentId === deploymentId) {
      this.current.controller.abort(reason);
      return true;
    }
    const queued = this.pending.some((id) => this.deps.journal.getCommand(id)?.deploymentId === deploymentId);
    if (queued) this.cancelled.add(deploymentId);
    return queued;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    return this.pump;
  }

  /**
   * Takes no more work and detaches from the running deployment: its hook keeps running and the
   * journal keeps the deployment running, so the next agent (a restart, an upgrade) adopts the
   * hook and continues. Waits for the detach, at most `graceMs` (an agent-side action such as
   * Install may be cut off: the next agent redoes it).
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    this.pending.length = 0;
    this.current?.detach.abort();
    let timer: TimerHandle | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = this.deps.clock.setTimeout(resolve, graceMs);
    });
    await Promise.race([this.pump, timeout]);
    if (timer !== undefined) this.deps.clock.clearTimeout(timer);
  }

  private async drain(): Promise<void> {
    for (let id = this.pending.shift(); id !== undefined && !this.stopped; id = this.pending.shift()) {
      await this.runOne(id);
    }
    this.pumping = false;
  }

  private async runOne(commandId: string): Promise<void> {
    const { journal } = this.deps;
    const command = journal.getCommand(commandId);
    if (this.resuming.delete(commandId)) {
      if (command?.state === 'running') await this.runGuarded(command, true);
      return;
    }
    if (!command || command.state !== 'received') return;
    if (journal.getDeployment(command.deploymentId)) {
      // The deployment already ran (or runs) here under another command id, which the coordinator
      // no longer knows (its store went back in time): not run twice, reported again under this one.
      const finished = journal.adoptCommand(commandId, command.deploymentId, this.deps.clock.now());
      if (finished === undefined) journal.markCommandDone(commandId);
      this.deps.logger.warn('command for a deployment this host already ran: its events are reported again under the new command', {
        deploymentId: command.deploymentId,
        commandId,
        event: 'journal.command_adopted',
        finished,
      });
      return;
    }
    await this.runGuarded(command, false);
  }

  /** Runs (or continues) one deployment; a journal error is logged, never thrown. */
  private async runGuarded(command: StoredCommand, resume: boolean): Promise<void> {
    const { logger } = this.deps;
    const controller = new AbortController();
    const detach = new AbortController();
    if (this.cancelled.delete(command.deploymentId)) {
      controller.abort(new DeckhandError('MANUAL_STOP', 'the deployment was stopped from the coordinator'));
    }
    this.current = { deploymentId: command.deploymentId, controller, detach };
    const stops = { signal: controller.signal, detach: detach.signal };
    try {
      const result = await (resume ? resumeDeployment(this.deps, command, stops) : runDeployment(this.deps, command, stops));
      // The host is rebooting (or the agent detached): starting more work now would be cut off.
      if (result === 'Interrupted') this.stopped = true;
    } catch (err) {
      // Only the journal throws here (disk full, I/O error); the deployment stays 'running' and
      // is failed by recovery at the next start. A full disk is told to the coordinator now.
      const named = asDiskFull(err, 'journaling the deployment');
      logger.error('deployment aborted by a journal error', {
        deploymentId: command.deploymentId,
        error: (named as Error).message,
      });
      if (isDiskFull(named)) this.deps.unrunnable?.({ commandId: command.commandId, deploymentId: command.deploymentId }, named as DeckhandError);
    } finally {
      this.current = undefined;
    }
  }
}
