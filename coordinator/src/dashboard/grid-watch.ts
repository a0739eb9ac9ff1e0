/**
 * Live grids for the dashboard: one watcher per deployment, shared by every page that follows
 * it, so ten open pages cost one read of the store per refresh, not ten. A watcher reads the
 * grid when woken (hook output stored, LogFeed) or at its poll, never more often than four times
 * its last read took (a 10,000-host grid costs tens of milliseconds to read: the coordinator keeps
 * its time for the agents), and tells its listeners what changed: the whole grid when the columns
 * changed, else only the hosts that moved, and the deployment when its summary did. It stops
 * when its last listener leaves.
 */
import { isTerminalDeploymentStatus, type DeploymentSummary, type GridHost, type GridView } from '../../../protocol/src/index.ts';
import type { LogFeed } from '../logs/feed.ts';
import { changedHosts, rowKeys } from './grid.ts';

/** What a listener is told. */
export type GridMessage =
  | { type: 'grid'; grid: GridView }
  | { type: 'hosts'; hosts: GridHost[] }
  | { type: 'deployment'; deployment: DeploymentSummary }
  | { type: 'end'; status: string; reason?: string };

/** Reads a deployment's grid; undefined once the deployment is gone. */
export type GridReader = (deploymentId: string) => Promise<GridView | undefined>;

/** Timing of the watchers. */
export interface GridWatchOptions {
  /** Read at least this often without a wake-up (another coordinator may have applied events). @default 1000 */
  pollMs?: number;
  /** Never read more often than this. @default 250 */
  minGapMs?: number;
  /** After the deployment ends, keep reading this long (the last events arriving), then end. @default 2000 */
  lingerMs?: number;
}

type Listener = (m: GridMessage) => void;

/** A watcher waits this many times its last read before the next: reading takes at most a fifth of the coordinator. */
const READ_SHARE = 4;

class Watcher {
  readonly listeners = new Set<Listener>();
  grid: GridView | undefined;
  private keys = new Map<string, string>();
  private summary = '';
  private endedAt: number | undefined;
  private woken = false;
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly deploymentId: string,
    private readonly read: GridReader,
    private readonly opts: Required<GridWatchOptions>,
    private readonly onError: (err: unknown) => void,
  ) {}

  poke(): void {
    this.woken = true;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private broadcast(m: GridMessage): void {
    for (const l of this.listeners) l(m);
  }

  /** Reads, tells what changed; false once the stream is over. */
  private async refresh(): Promise<boolean> {
    const next = await this.read(this.deploymentId);
    if (!next) {
      this.broadcast({ type: 'end', status: this.grid?.deployment.status ?? '', reason: 'the deployment is gone' });
      return false;
    }
    const previous = this.grid;
    this.grid = next;
    const summary = JSON.stringify(next.deployment);
    if (!previous || previous.events.join() !== next.events.join()) {
      this.keys = rowKeys(next);
      this.broadcast({ type: 'grid', grid: next });
    } else {
      const changed = changedHosts(this.keys, next);
      this.keys = changed.keys;
      if (changed.hosts.length > 0) this.broadcast({ type: 'hosts', hosts: changed.hosts });
      if (summary !== this.summary) this.broadcast({ type: 'deployment', deployment: next.deployment });
    }
    this.summary = summary;
    if (isTerminalDeploymentStatus(next.deployment.status)) this.endedAt ??= Date.now();
    if (this.endedAt !== undefined && Date.now() - this.endedAt >= this.opts.lingerMs) {
      this.broadcast({ type: 'end', status: next.deployment.status });
      return false;
    }
    return true;
  }

  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
  }

  /** Reads until stopped or the deployment ended. */
  async run(): Promise<void> {
    try {
      while (!this.stopped) {
        const started = Date.now();
        this.woken = false;
        if (!(await this.refresh())) return;
        const took = Date.now() - started;
        await this.pause(Math.max(this.opts.minGapMs, READ_SHARE * took));
        if (!this.woken && !this.stopped) await this.pause(Math.max(0, this.opts.pollMs - (Date.now() - started)));
      }
    } catch (err) {
      this.onError(err);
      this.broadcast({ type: 'end', status: this.grid?.deployment.status ?? '', reason: 'reading the deployment failed' });
    }
  }
}

/** Shared live grids, by deployment. */
export class GridWatch {
  private readonly watchers = new Map<string, Watcher>();
  private readonly opts: Required<GridWatchOptions>;

  constructor(
    private readonly read: GridReader,
    private readonly feed: LogFeed,
    private readonly onError: (deploymentId: string, err: unknown) => void,
    opts: GridWatchOptions = {},
  ) {
    this.opts = { pollMs: opts.pollMs ?? 1000, minGapMs: opts.minGapMs ?? 250, lingerMs: opts.lingerMs ?? 2000 };
  }

  /**
   * Follows the deployment: `listener` gets the whole grid first (at once when a watcher already
   * has it), then the changes, and `end` last. Returns the remover.
   */
  subscribe(deploymentId: string, listener: Listener): () => void {
    let w = this.watchers.get(deploymentId);
    if (!w) {
      const watcher = new Watcher(deploymentId, this.read, this.opts, (err) => this.onError(deploymentId, err));
      const unfeed = this.feed.subscribe(deploymentId, () => watcher.poke());
      this.watchers.set(deploymentId, watcher);
      void watcher.run().finally(() => {
        unfeed();
        if (this.watchers.get(deploymentId) === watcher) this.watchers.delete(deploymentId);
      });
      w = watcher;
    } else if (w.grid) {
      listener({ type: 'grid', grid: w.grid });
    }
    const watcher = w;
    watcher.listeners.add(listener);
    return () => {
      watcher.listeners.delete(listener);
      if (watcher.listeners.size === 0) {
        watcher.stop();
        if (this.watchers.get(deploymentId) === watcher) this.watchers.delete(deploymentId);
      }
    };
  }

  /** How many deployments are watched (for tests and metrics). */
  get size(): number {
    return this.watchers.size;
  }
}
