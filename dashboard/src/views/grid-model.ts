/**
 * The page of a deployment grid the page shows, as the coordinator sent it: 100 hosts at most
 * (grouped by status at 1,000 hosts and more, filtered by status when asked), the count of
 * every status, and where the page stands. Pure bookkeeping, no DOM: updates replace a host in
 * place. Changing the filter or the page asks the coordinator for another page (deployment.ts).
 */
import { GRID_STATUS_ORDER, type GridCounts, type GridCountsChange, type GridHost, type GridView } from '../../../protocol/src/index.ts';

/** Order of the status groups and filters: what needs attention first. */
export const STATUS_ORDER = GRID_STATUS_ORDER;

/** The page shown and what is known about the others. */
export class GridModel {
  events: string[] = [];
  /** The hosts of this page, in the order shown. */
  hosts: GridHost[] = [];
  counts: GridCounts = {};
  /** '' for every status. */
  status = '';
  /** From 1. */
  page = 1;
  pages = 1;
  /** Hosts under the filter. */
  shown = 0;
  pageSize = 100;
  grouped = false;
  private position = new Map<string, number>();

  /** Takes a whole page. */
  setGrid(grid: GridView): void {
    this.events = grid.events;
    this.hosts = grid.hosts;
    this.counts = grid.counts;
    this.status = grid.status ?? '';
    this.page = grid.page;
    this.pages = grid.pages;
    this.shown = grid.shown;
    this.pageSize = grid.pageSize;
    this.grouped = grid.grouped;
    this.position = new Map(grid.hosts.map((host, i) => [host.id, i]));
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
    return ids;
  }

  /** Takes new counts (the page's hosts did not move). */
  setCounts(change: GridCountsChange): void {
    this.counts = change.counts;
    this.shown = change.shown;
    this.pages = change.pages;
  }

  host(id: string): GridHost | undefined {
    const i = this.position.get(id);
    return i === undefined ? undefined : this.hosts[i];
  }

  /** Every host of the deployment. */
  total(): number {
    return Object.values(this.counts).reduce((a, n) => a + (n ?? 0), 0);
  }
}
