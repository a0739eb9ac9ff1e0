/**
 * agent.log frames on their way into the store, bounded by bytes (issue 14: an unread buffer of
 * them once held 848 MB): frames wait in memory only up to a total and a per-agent share, and
 * one past either is answered `busy` at once (the agent reads it again from its scripts.log
 * later). What waits is written in bursts, one unit of work each, and every frame with a seq is
 * answered with coord.log.ack once its burst has committed (lines the store keeps, counts as cut,
 * or refuses because the deployment does not target the sending host).
 */
import type { Logger } from '../../../common/src/logger.ts';
import type { AgentLogBody, CoordBodies, CoordFrameType } from '../../../protocol/src/index.ts';
import type { LogAppendResult } from '../store/logs.ts';
import type { Store } from '../store/store.ts';
import type { LogQueue, Session } from './session.ts';

/** Limits of the intake. */
export interface LogIntakeLimits {
  /** Frame bytes waiting for the store, all agents together. @default 32 MiB */
  maxPendingBytes?: number;
  /** Frame bytes waiting for the store from one agent. @default 2 MiB */
  maxPendingBytesPerAgent?: number;
  /** Line text one deployment's log may hold; lines past it are counted, not kept. @default 512 MiB */
  maxBytesPerDeployment?: number;
}

/** What the intake needs. */
export interface LogIntakeDeps extends LogIntakeLimits {
  store: Store;
  log: Logger;
  send<T extends CoordFrameType>(session: Session, type: T, body: CoordBodies[T]): boolean;
  /** Told after a burst committed, once per deployment that got lines, with their count and bytes. */
  stored(deploymentId: string, lines: number, bytes: number): void;
  /** Told of every frame answered busy (for metrics). */
  dropped?(bytes: number): void;
}

/** The default cap of one deployment's log: 512 MiB of line text. */
export const DEFAULT_LOG_MAX_BYTES_PER_DEPLOYMENT = 512 * 1024 * 1024;

interface Waiting {
  session: Session;
  frameId: string;
  body: AgentLogBody;
  size: number;
}

/**
 * A burst writes at most this many frame bytes; the rest waits for the next one. Small enough
 * that agent events (which share the store) wait for no more than a short write between bursts.
 */
const BURST_BYTES = 1024 * 1024;

/** The hub's agent.log intake. */
export class LogIntake implements LogQueue {
  private queue: Waiting[] = [];
  private pendingBytes = 0;
  private readonly perSession = new Map<Session, number>();
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: LogIntakeDeps) {}

  /** Takes one agent.log frame of `size` bytes, or answers it busy when the intake is full. */
  add(session: Session, frameId: string, body: AgentLogBody, size: number): void {
    const mine = this.perSession.get(session) ?? 0;
    const full = this.pendingBytes + size > (this.deps.maxPendingBytes ?? 32 * 1024 * 1024) || mine + size > (this.deps.maxPendingBytesPerAgent ?? 2 * 1024 * 1024);
    if (full) {
      this.deps.dropped?.(size);
      if (body.seq !== undefined) this.answer(session, frameId, body, { status: 'busy' });
      return;
    }
    this.queue.push({ session, frameId, body, size });
    this.pendingBytes += size;
    this.perSession.set(session, mine + size);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.cut());
    }
  }

  /** Resolves once everything received so far is written and answered. Never rejects. */
  async drain(): Promise<void> {
    this.cut();
    await this.chain;
  }

  private cut(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      let bytes = 0;
      let n = 0;
      while (n < this.queue.length && (n === 0 || bytes + (this.queue[n] as Waiting).size <= BURST_BYTES)) bytes += (this.queue[n++] as Waiting).size;
      const burst = this.queue.splice(0, n);
      this.chain = this.chain.then(() => this.write(burst)).catch((err: unknown) => {
        this.deps.log.error('writing hook output failed', { err });
      });
    }
  }

  private async write(burst: Waiting[]): Promise<void> {
    const max = this.deps.maxBytesPerDeployment ?? DEFAULT_LOG_MAX_BYTES_PER_DEPLOYMENT;
    let results: LogAppendResult[] | undefined;
    try {
      results = await this.deps.store.transaction(async (tx) => {
        const out: LogAppendResult[] = [];
        for (const w of burst) {
          const bytes = w.body.lines.map((l) => Buffer.byteLength(l.text));
          out.push(await tx.logs.append({ ...w.body, instanceId: w.session.instanceId, bytes }, max));
        }
        return out;
      });
    } catch (err) {
      this.deps.log.error('storing hook output failed; agents will send it again', { frames: burst.length, err });
    } finally {
      for (const w of burst) this.release(w);
    }
    const kept = new Map<string, { lines: number; bytes: number }>();
    burst.forEach((w, i) => {
      const result = results?.[i];
      if (w.body.seq !== undefined) this.answer(w.session, w.frameId, w.body, result ?? { status: 'busy' });
      if (result?.status === 'stored' && result.kept > 0) {
        const sum = kept.get(w.body.deploymentId) ?? { lines: 0, bytes: 0 };
        kept.set(w.body.deploymentId, { lines: sum.lines + result.kept, bytes: sum.bytes + (result.keptBytes ?? 0) });
      }
      if (result?.status === 'refused') this.deps.log.warn('hook output refused', { instanceId: w.session.instanceId, deploymentId: w.body.deploymentId, reason: result.reason });
    });
    for (const [deploymentId, sum] of kept) this.deps.stored(deploymentId, sum.lines, sum.bytes);
  }

  private release(w: Waiting): void {
    this.pendingBytes -= w.size;
    const left = (this.perSession.get(w.session) ?? 0) - w.size;
    if (left <= 0) this.perSession.delete(w.session);
    else this.perSession.set(w.session, left);
  }

  private answer(session: Session, frameId: string, body: AgentLogBody, result: LogAppendResult | { status: 'busy' }): void {
    const seq = result.status === 'stored' ? result.through : Math.max(0, (body.seq ?? 1) - 1);
    this.deps.send(session, 'coord.log.ack', { frameId, deploymentId: body.deploymentId, lifecycleEvent: body.lifecycleEvent, seq, status: result.status });
  }
}
