/**
 * One coordinator among several on a PostgreSQL store. On every tick it renews its leases (and
 * learns which it lost), writes its agents' presence and its heartbeat, reads everyone's
 * presence, claims running deployments nobody drives (FOR UPDATE SKIP LOCKED, so two
 * coordinators never claim the same), hands them to its scheduler, and takes the frames left for
 * its agents. NOTIFY wakes it between ticks: a deployment it drives needs a look, or frames wait
 * for one of its agents. A failing database only makes ticks fail (logged, /readyz says so);
 * the next tick tries again, and LISTEN reconnects by itself.
 */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import { CLUSTER_CHANNELS, type ClusterHost, type ClusterListener, type ClusterRepository } from '../store/cluster.ts';
import type { Store } from '../store/store.ts';
import { LeaseOwnership } from './leases.ts';
import { ClusterPresence } from './presence.ts';
import { CommandRouter, type LocalSender } from './router.ts';

/** What the node asks of its scheduler. */
export interface ClusterScheduler {
  takeOver(deploymentIds: readonly string[]): Promise<void>;
  reconcile(deploymentId: string): Promise<void>;
}

/** Timings of a node. */
export interface NodeTimings {
  /** Between two ticks. @default 1000 */
  tickMs: number;
  /** A lease not renewed for this long may be taken by another coordinator. @default 10000 */
  leaseTtlMs: number;
  /** Every local agent is written again this often. @default 5000 */
  presenceRefreshMs: number;
  /** An agent no coordinator saw for this long is offline. @default 15000 */
  presenceWindowMs: number;
}

/** Default timings: failover within ~11 s of a coordinator's death, a dead agent offline within ~1 s (its socket closed) or the hub's heartbeat. */
export const DEFAULT_TIMINGS: NodeTimings = { tickMs: 1000, leaseTtlMs: 10_000, presenceRefreshMs: 5000, presenceWindowMs: 15_000 };

/** Dependencies of {@link ClusterNode}. */
export interface ClusterNodeDeps {
  store: Store & ClusterHost;
  hub: LocalSender;
  clock: Clock;
  logger: Logger;
  nodeId: string;
  name: string;
  apiUrl?: string;
  timings?: Partial<NodeTimings>;
}

/** How a node is doing, for /readyz and `nodes`. */
export interface NodeStatus {
  nodeId: string;
  /** The last tick reached the store. */
  storeOk: boolean;
  lastError?: string;
  leases: readonly string[];
  agents: number;
}

/** The claims per tick: a coordinator that just started takes a share, not everything at once. */
const CLAIMS_PER_TICK = 20;
/** Frames older than this are dropped: their agent went away and gets them again on hello. */
const MESSAGE_TTL_MS = 10 * 60_000;

/** One coordinator of a cluster. */
export class ClusterNode {
  readonly ownership: LeaseOwnership;
  readonly presence: ClusterPresence;
  readonly router: CommandRouter;
  readonly timings: NodeTimings;
  private readonly cluster: ClusterRepository;
  private readonly log: Logger;
  private scheduler: ClusterScheduler | undefined;
  private listener: ClusterListener | undefined;
  private timer: TimerHandle | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private ticks = 0;
  private stopped = false;
  private storeOk = false;
  private lastError: string | undefined;
  private readonly woken = new Set<string>();
  private waking = false;

  constructor(private readonly deps: ClusterNodeDeps) {
    this.timings = { ...DEFAULT_TIMINGS, ...deps.timings };
    this.cluster = deps.store.cluster;
    this.log = deps.logger.child({ component: 'cluster', nodeId: deps.nodeId });
    this.ownership = new LeaseOwnership({ nodeId: deps.nodeId, ttlMs: this.timings.leaseTtlMs, log: this.log });
    const now = (): number => deps.clock.monotonicMs();
    this.presence = new ClusterPresence({
      nodeId: deps.nodeId,
      hub: deps.hub,
      cluster: this.cluster,
      refreshMs: this.timings.presenceRefreshMs,
      windowMs: this.timings.presenceWindowMs,
      now,
    });
    this.router = new CommandRouter({ hub: deps.hub, presence: this.presence, cluster: this.cluster, log: this.log });
  }

  /** Registers the node (before its scheduler starts). */
  async register(): Promise<void> {
    const { nodeId, name, apiUrl } = this.deps;
    await this.cluster.registerNode({ nodeId, name, pid: process.pid, ...(apiUrl ? { apiUrl } : {}) });
    this.log.info('coordinator node registered', { name });
  }

  /** Starts listening and ticking, driving with `scheduler`. */
  start(scheduler: ClusterScheduler): void {
    this.scheduler = scheduler;
    this.listener = this.deps.store.listen(
      [CLUSTER_CHANNELS.wake, CLUSTER_CHANNELS.messages],
      (channel, payload) => this.notified(channel, payload),
      () => this.reconnected(),
      (err) => this.log.warn('listening connection lost; reconnecting', { err: err.message }),
    );
    this.schedule(0);
  }

  /** Stops ticking and listening; with `release`, gives the leases up at once (an orderly stop). */
  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    await this.ticking;
    await this.listener?.close();
    await this.router.flush();
    if (release) await this.cluster.markStopped(this.deps.nodeId);
  }

  /** How the node is doing. */
  status(): NodeStatus {
    return {
      nodeId: this.deps.nodeId,
      storeOk: this.storeOk,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      leases: this.ownership.owned(),
      agents: this.presence.localCount(),
    };
  }

  /** Runs one tick now (tests; the timer runs them otherwise). */
  tick(): Promise<void> {
    this.ticking = this.ticking.then(() => this.runTick());
    return this.ticking;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      void this.tick().finally(() => this.schedule(this.timings.tickMs));
    }, ms);
  }

  private async runTick(): Promise<void> {
    this.ticks += 1;
    try {
      this.ownership.sync(await this.cluster.renewLeases(this.deps.nodeId, this.timings.leaseTtlMs));
      await this.presence.write();
      await this.presence.read();
      await this.claim();
      await this.router.deliver();
      // Wakes can be lost (NOTIFY is not durable): every few ticks each deployment driven here gets a look.
      if (this.ticks % 5 === 0) for (const id of this.ownership.owned()) this.woken.add(id);
      if (this.ticks % 60 === 0) await this.cluster.pruneMessages(MESSAGE_TTL_MS);
      this.storeOk = true;
      this.lastError = undefined;
    } catch (err) {
      if (this.storeOk || this.lastError === undefined) this.log.warn('cluster tick failed; trying again', { err });
      this.storeOk = false;
      this.lastError = (err as Error).message;
    }
    void this.wakeAll();
  }

  /** Claims deployments nobody drives and hands them to the scheduler. */
  private async claim(): Promise<void> {
    const { nodeId } = this.deps;
    const taken = await this.deps.store.transaction(async (tx) => {
      const cluster = tx.cluster ?? this.cluster;
      const got: [string, number][] = [];
      for (const id of await cluster.claimOrphans(CLAIMS_PER_TICK)) {
        const epoch = await cluster.acquireLease(id, nodeId, this.timings.leaseTtlMs, 'free');
        if (epoch !== undefined) got.push([id, epoch]);
      }
      return got;
    });
    if (taken.length === 0 || !this.scheduler) return;
    for (const [id, epoch] of taken) this.ownership.adopt(id, epoch);
    this.log.warn('took over deployments nobody drove', { deployments: taken.map(([id, epoch]) => ({ id, epoch })) });
    await this.scheduler.takeOver(taken.map(([id]) => id));
  }

  private notified(channel: string, payload: string): void {
    if (channel === CLUSTER_CHANNELS.messages) return this.router.notified(payload);
    if (channel !== CLUSTER_CHANNELS.wake || this.ownership.epochOf(payload) === undefined) return;
    this.woken.add(payload);
    void this.wakeAll();
  }

  /** After LISTEN (re)connected: notifications may have been missed, so everything gets a look. */
  private reconnected(): void {
    for (const id of this.ownership.owned()) this.woken.add(id);
    void this.wakeAll();
    void this.router.deliver().catch((err: unknown) => this.log.warn('taking frames after reconnecting failed', { err }));
  }

  /** Reconciles the woken deployments, one at a time, many wakes of one deployment as one. */
  private async wakeAll(): Promise<void> {
    if (this.waking || !this.scheduler) return;
    this.waking = true;
    try {
      while (this.woken.size > 0 && !this.stopped) {
        const [id] = this.woken;
        this.woken.delete(id!);
        if (this.ownership.epochOf(id!) === undefined) continue;
        await this.scheduler.reconcile(id!).catch((err: unknown) => this.log.warn('reconciling a woken deployment failed', { deploymentId: id, err }));
      }
    } finally {
      this.waking = false;
    }
  }
}
