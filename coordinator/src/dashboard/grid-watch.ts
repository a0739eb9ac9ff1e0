/**
 * Live grids for the dashboard: one watcher per deployment, shared by every page that follows
 * it, and inside it one view per page of hosts asked for (status filter and page number), so ten
 * open pages on the same view cost one read of the store per refresh, not ten. A read is one page
 * (100 hosts, grid-page.ts) whatever the fleet size. A watcher reads when woken (a burst of agent
 * events committed, hook output stored: LogFeed) or at its poll, never more often than four times
 * its last read took (the coordinator keeps its time for the agents), and tells each view's
 * listeners what changed: the whole page when its hosts or columns changed, else only the hosts
 * that moved, the counts when they did, and the deployment when its summary did. A view goes when
 * its last listener leaves, the watcher when its last view does.
 */
import { isTerminalDeploymentStatus, type DeploymentStatus, type DeploymentSummary, type GridCountsChange, type GridHost, type GridView } from '../../../protocol/src/index.ts';
import type { LogFeed } from '../logs/feed.ts';
import { changedHosts, rowKeys } from './grid.ts';
import type { GridPageQuery } from './grid-page.ts';

/** What a listener is told. */
export type GridMessage =
  | { type: 'grid'; grid: GridView }
  | { type: 'hosts'; hosts: GridHost[] }
  | ({ type: 'counts' } & GridCountsChange)
  | { type: 'deployment'; deployment: DeploymentSummary }
  | { type: 'end'; status: string; reason?: string };

/** Reads one page of a deployment's grid; undefined once the deployment is gone. */
export type GridReader = (deploymentId: string, query: GridPageQuery) => Promise<GridView | undefined>;

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

function viewKey(query: GridPageQuery): string {
  return `${query.status ?? ''}|${query.page}`;
}

/** One page followed: its listeners and what they were last told. */
class View {
  readonly listeners = new Set<Listener>();
  grid: GridView | undefined;
  private keys = new Map<string, string>();
  private shape = '';
  private counts = '';
  private summary = '';

  constructor(readonly query: GridPageQuery) {}

  broadcast(m: GridMessage): void {
    for (const l of this.listeners) l(m);
  }

  /** Takes a new read of the page; tells what changed. */
  take(next: GridView): void {
    const shape = JSON.stringify([next.status, next.page, next.events, next.hosts.map((h) => h.id)]);
    const counts = JSON.stringify([next.counts, next.shown, next.pages]);
    const summary = JSON.stringify(next.deployment);
    if (shape !== this.shape) {
      this.keys = rowKeys(next);
      this.broadcast({ type: 'grid', grid: next });
    } else {
      const changed = changedHosts(this.keys, next);
      this.keys = changed.keys;
      if (changed.hosts.length > 0) this.broadcast({ type: 'hosts', hosts: changed.hosts });
      if (counts !== this.counts) this.broadcast({ type: 'counts', counts: next.counts, shown: next.shown, pages: next.pages });
      if (summary !== this.summary) this.broadcast({ type: 'deployment', deployment: next.deployment });
    }
    Object.assign(this, { grid: next, shape, counts, summary });
  }
}

class Watcher {
  readonly views = new Map<string, View>();
  private status: DeploymentStatus | '' = '';
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

  /** The view of `query`, made when new. */
  view(query: GridPageQuery): View {
    const key = viewKey(query);
    let view = this.views.get(key);
    if (!view) {
      view = new View(query);
      this.views.set(key, view);
    }
    return view;
  }

  poke(): void {
    this.woken = true;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private broadcast(m: GridMessage): void {
    for (const view of this.views.values()) view.broadcast(m);
  }

  /** Reads every view, tells what changed; false once the stream is over. */
  private async refresh(): Promise<boolean> {
    for (const view of [...this.views.values()]) {
      const next = await this.read(this.deploymentId, view.query);
      if (!next) {
        this.broadcast({ type: 'end', status: this.status, reason: 'the deployment is gone' });
        return false;
      }
      this.status = next.deployment.status;
      view.take(next);
    }
    if (this.status !== '' && isTerminalDeploymentStatus(this.status)) this.endedAt ??= Date.now();
    if (this.endedAt !== undefined && Date.now() - this.endedAt >= this.opts.lingerMs) {
      this.broadcast({ type: 'end', status: this.status });
      return false;
    }
    return true;
  }

  /** Waits `ms`; a poke ends the wait early when `wakeable`, a stop always does. */
  private async pause(ms: number, wakeable: boolean): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const stopped = (): void => {
        if (this.stopped) done();
      };
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = wakeable ? done : stopped;
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
        // Not cut short by a wake-up: at 10,000 hosts the feed wakes the watcher at every burst.
        await this.pause(Math.max(this.opts.minGapMs, READ_SHARE * took), false);
        if (!this.woken && !this.stopped) await this.pause(Math.max(0, this.opts.pollMs - (Date.now() - started)), true);
      }
    } catch (err) {
      this.onError(err);
      this.broadcast({ type: 'end', status: this.status, reason: 'reading the deployment failed' });
    }
  }
}

/** Shared live grids, by deployment and page. */
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
   * Follows one page of the deployment: `listener` gets the whole page first (at once when the
   * watcher already has it), then the changes, and `end` last. Returns the remover.
   */
  subscribe(deploymentId: string, query: GridPageQuery, listener: Listener): () => void {
    const existing = this.watchers.get(deploymentId);
    const w = existing ?? new Watcher(deploymentId, this.read, this.opts, (err) => this.onError(deploymentId, err));
    const view = w.view(query);
    if (view.grid) listener({ type: 'grid', grid: view.grid });
    view.listeners.add(listener);
    if (!existing) {
      // Started once it has its first view: its first read is that page.
      const unfeed = this.feed.subscribe(deploymentId, () => w.poke());
      this.watchers.set(deploymentId, w);
      void w.run().finally(() => {
        unfeed();
        if (this.watchers.get(deploymentId) === w) this.watchers.delete(deploymentId);
      });
    } else if (!view.grid) {
      w.poke();
    }
    return () => {
      view.listeners.delete(listener);
      if (view.listeners.size > 0) return;
      w.views.delete(viewKey(query));
      if (w.views.size > 0) return;
      w.stop();
      if (this.watchers.get(deploymentId) === w) this.watchers.delete(deploymentId);
    };
  }

  /** The page the watcher last read for `query`, if it has one (a slow reader catching up). */
  latest(deploymentId: string, query: GridPageQuery): GridView | undefined {
    return this.watchers.get(deploymentId)?.views.get(viewKey(query))?.grid;
  }

  /** How many deployments are watched (for tests and metrics). */
  get size(): number {
    return this.watchers.size;
  }
}
