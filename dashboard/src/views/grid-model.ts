/**
 * The hosts of a deployment grid as the page shows them: filtered by status, grouped by status
 * at 1,000 hosts and more (what needs attention first), a page at a time. Pure bookkeeping, no
 * DOM: updates replace a host in place, and the view list is recomputed only when asked.
 */
import type { GridHost, GridView } from '../../../protocol/src/index.ts';

/** Hosts on one page. */
export const PAGE_SIZE = 100;

/** From this many hosts, the grid groups them by status. */
export const GROUP_FROM = 1000;

/** Order of the status groups: what needs attention first. */
export const STATUS_ORDER = ['Failed', 'InProgress', 'WaitingForAgent', 'Pending', 'Ready', 'Unknown', 'Skipped', 'Succeeded'] as const;

const RANK = new Map<string, number>(STATUS_ORDER.map((s, i) => [s, i]));

/** The grid's hosts and how they are shown. */
export class GridModel {
  events: string[] = [];
  hosts: GridHost[] = [];
  private position = new Map<string, number>();
  private cache: GridHost[] | undefined;
  /** '' for every status. */
  status = '';
  page = 0;

  /** Takes a whole grid. */
  setGrid(grid: GridView): void {
    this.events = grid.events;
    this.hosts = grid.hosts;
    this.position = new Map(grid.hosts.map((host, i) => [host.id, i]));
    this.cache = undefined;
  }

  /** Replaces the hosts that changed; returns their ids. */
  update(changed: readonly GridHost[]): Set<string> {
    const ids = new Set<string>();
    for (const host of changed) {
      const i = this.position.get(host.id);
      if (i === undefined) continue;
      this.hosts[i] = host;
      ids.add(host.id);
    }
    this.cache = undefined;
    return ids;
  }

  get grouped(): boolean {
    return this.hosts.length >= GROUP_FROM;
  }

  host(id: string): GridHost | undefined {
    const i = this.position.get(id);
    return i === undefined ? undefined : this.hosts[i];
  }

  /** How many hosts are in each status. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const host of this.hosts) counts.set(host.status, (counts.get(host.status) ?? 0) + 1);
    return counts;
  }

  /** The hosts shown, in order (filtered, grouped). */
  shown(): GridHost[] {
    if (this.cache) return this.cache;
    let list = this.status === '' ? this.hosts : this.hosts.filter((host) => host.status === this.status);
    if (this.grouped && this.status === '') {
      const rank = (host: GridHost): number => RANK.get(host.status) ?? STATUS_ORDER.length;
      // Stable: within a group, hosts keep the order they are taken in.
      list = list.map((host, i) => ({ host, i })).sort((a, b) => rank(a.host) - rank(b.host) || a.i - b.i).map((x) => x.host);
    }
    this.cache = list;
    return list;
  }

  pages(): number {
    return Math.max(1, Math.ceil(this.shown().length / PAGE_SIZE));
  }

  /** The hosts of the current page (the page is kept within range). */
  pageHosts(): GridHost[] {
    this.page = Math.min(Math.max(0, this.page), this.pages() - 1);
    return this.shown().slice(this.page * PAGE_SIZE, (this.page + 1) * PAGE_SIZE);
  }

  /** Moves to the page that shows host `id`; false when it is not shown under the filter. */
  reveal(id: string): boolean {
    const i = this.shown().findIndex((host) => host.id === id);
    if (i < 0) return false;
    this.page = Math.floor(i / PAGE_SIZE);
    return true;
  }
}
