/**
 * Runs journaled deployment commands one at a time, in arrival order. It is the CommandQueue the
 * transport's dispatcher feeds, and it owns the abort controller of the running deployment.
 */
import type { TimerHandle } from '../../../common/src/clock.ts';
import { DeckhandError } from '../../../protocol/src/index.ts';
import { runDeployment } from './deployment.ts';
import type { LifecycleDeps } from './types.ts';

export class DeploymentQueue {
  private readonly pending: string[] = [];
  private readonly cancelled = new Set<string>();
  private current: { deploymentId: string; controller: AbortController } | undefined;
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
   * Takes no more work, stops the running deployment (its hook is killed and its outcome
   * journaled) and waits for it, at most `graceMs`.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    this.pending.length = 0;
    this.current?.controller.abort(new DeckhandError('AGENT_ISSUE', 'the agent stopped during the deployment'));
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
    const { journal, logger } = this.deps;
    const command = journal.getCommand(commandId);
    if (!command || command.state !== 'received') return;
    if (journal.getDeployment(command.deploymentId)) {
      // The deployment already ran here under another command id; its outcome is in the outbox.
      journal.markCommandDone(commandId);
      return;
    }
    const controller = new AbortController();
    if (this.cancelled.delete(command.deploymentId)) {
      controller.abort(new DeckhandError('MANUAL_STOP', 'the deployment was stopped from the coordinator'));
    }
    this.current = { deploymentId: command.deploymentId, controller };
    try {
      await runDeployment(this.deps, command, controller.signal);
    } catch (err) {
      // Only the journal throws here (disk full, I/O error); the deployment stays 'running' and
      // is failed by recovery at the next start.
      logger.error('deployment aborted by a journal error', {
        deploymentId: command.deploymentId,
        error: (err as Error).message,
      });
    } finally {
      this.current = undefined;
    }
  }
}
