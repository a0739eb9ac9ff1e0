/**
 * Which hosts one page of the dashboard's grid shows (pure): from the count of every status,
 * the windows of targets to read, in the order the page lists them. Below 1,000 hosts, or
 * filtered by one status, hosts come in the order they are taken; from 1,000 hosts they are
 * grouped by status (what needs attention first), each group in the order hosts are taken, so
 * a page is at most a few windows of the store's status index whatever the fleet size.
 */
import { GRID_GROUP_FROM, GRID_PAGE_SIZE, GRID_STATUS_ORDER, type GridCounts, type InstanceStatus } from '../../../protocol/src/index.ts';
import type { TargetPlace, TargetWindow } from '../store/deployments/views.ts';

/** The page a listener asks for. */
export interface GridPageQuery {
  /** Only hosts in this status; absent: every host. */
  status?: InstanceStatus;
  /** From 1; a page past the last is the last. */
  page: number;
}

/** One page laid out. */
export interface GridPageLayout {
  status: InstanceStatus | null;
  /** Hosts under the filter. */
  shown: number;
  page: number;
  pages: number;
  pageSize: number;
  grouped: boolean;
  /** What to read, in the order the page lists it. */
  windows: TargetWindow[];
}

/** Counts as a record, from the store's map. */
export function countsRecord(counts: ReadonlyMap<InstanceStatus, number>): GridCounts {
  const out: GridCounts = {};
  for (const [status, n] of counts) if (n > 0) out[status] = n;
  return out;
}

function totalOf(counts: GridCounts): number {
  return Object.values(counts).reduce((a, n) => a + (n ?? 0), 0);
}

/** Lays out page `query.page` of the hosts counted in `counts`. */
export function layoutPage(counts: GridCounts, query: GridPageQuery, pageSize = GRID_PAGE_SIZE): GridPageLayout {
  const total = totalOf(counts);
  const status = query.status ?? null;
  const shown = status === null ? total : (counts[status] ?? 0);
  const grouped = status === null && total >= GRID_GROUP_FROM;
  const pages = Math.max(1, Math.ceil(shown / pageSize));
  const page = Math.min(Math.max(1, Math.floor(query.page)), pages);
  const from = (page - 1) * pageSize;
  const to = from + pageSize;
  const layout = { status, shown, page, pages, pageSize, grouped };
  if (!grouped) return { ...layout, windows: [{ ...(status === null ? {} : { status }), offset: from, limit: pageSize }] };
  const windows: TargetWindow[] = [];
  let start = 0;
  for (const s of GRID_STATUS_ORDER) {
    const end = start + (counts[s] ?? 0);
    const lo = Math.max(from, start);
    const hi = Math.min(to, end);
    if (hi > lo) windows.push({ status: s, offset: lo - start, limit: hi - lo });
    start = end;
  }
  return { ...layout, windows };
}

/**
 * The page that shows the host standing at `place`: under the `status` filter when the host
 * is in that status, else among every host (the filter dropped).
 */
export function pageOfHost(place: TargetPlace, counts: GridCounts, status: InstanceStatus | undefined, pageSize = GRID_PAGE_SIZE): GridPageQuery {
  if (status !== undefined && place.status === status) return { status, page: Math.floor(place.beforeInStatus / pageSize) + 1 };
  let index = place.before;
  if (totalOf(counts) >= GRID_GROUP_FROM) {
    index = place.beforeInStatus;
    for (const s of GRID_STATUS_ORDER) {
      if (s === place.status) break;
      index += counts[s] ?? 0;
    }
  }
  return { page: Math.floor(index / pageSize) + 1 };
}
