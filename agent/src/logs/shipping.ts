/**
 * Every deployment's hook output on its way to the coordinator: one {@link LogShipper} per
 * deployment whose log is not all acknowledged, started from the journal (after an agent
 * restart), woken as hooks write, and driven by the link (welcome, disconnect, coord.log.ack).
 */
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { LogAckBody } from '../../../protocol/src/messages.ts';
import type { LogCursors } from '../journal/log-cursors.ts';
import { LogShipper, type SendLog } from './shipper.ts';

/** What {@link LogShipping} needs. */
export interface LogShippingDeps {
  clock: Clock;
  logger: Logger;
  cursors: LogCursors;
  send: SendLog;
}

/** The agent's log shippers. */
export class LogShipping {
  private readonly shippers = new Map<string, LogShipper>();
  private readonly log: Logger;
  private connected = false;
  private stopped = false;

  constructor(private readonly deps: LogShippingDeps) {
    this.log = deps.logger.child({ component: 'log-shipping' });
  }

  /** The link was welcomed: every pending log sends on from its cursor. */
  onConnected(): void {
    this.connected = true;
    this.adoptPending();
    for (const shipper of this.shippers.values()) shipper.connect();
  }

  /** The link went down. */
  onDisconnected(): void {
    this.connected = false;
    for (const shipper of this.shippers.values()) shipper.disconnect();
  }

  /** A coord.log.ack arrived. */
  onAck(ack: LogAckBody): void {
    this.shippers.get(ack.deploymentId)?.onAck(ack);
  }

  /** A hook of the deployment wrote output; never throws (it runs on the hook's output path). */
  outputWritten(deploymentId: string): void {
    try {
      const shipper = this.shippers.get(deploymentId) ?? this.adopt(deploymentId);
      shipper?.wake();
    } catch (err) {
      this.log.warn('waking the log shipper failed', { deploymentId, error: (err as Error).message });
    }
  }

  /** Stops every shipper, writing its cursor. */
  stop(): void {
    this.stopped = true;
    for (const shipper of this.shippers.values()) shipper.stop();
    this.shippers.clear();
  }

  /** Starts a shipper for every deployment of the journal whose log is pending. */
  private adoptPending(): void {
    for (const pending of this.deps.cursors.pending()) {
      if (!this.shippers.has(pending.deploymentId)) this.start(pending.deploymentId, pending.logFile, pending.position);
    }
  }

  private adopt(deploymentId: string): LogShipper | undefined {
    const pending = this.deps.cursors.pendingOf(deploymentId);
    if (pending === undefined) return undefined;
    const shipper = this.start(deploymentId, pending.logFile, pending.position);
    if (this.connected) shipper.connect();
    return shipper;
  }

  private start(deploymentId: string, logFile: string, position: Parameters<LogCursors['save']>[1]): LogShipper {
    const shipper = new LogShipper(deploymentId, logFile, position, {
      clock: this.deps.clock,
      log: this.log,
      cursors: this.deps.cursors,
      send: this.deps.send,
      onDone: (id) => {
        this.shippers.delete(id);
        this.log.debug('hook output all acknowledged', { deploymentId: id });
      },
    });
    if (!this.stopped) this.shippers.set(deploymentId, shipper);
    return shipper;
  }
}
