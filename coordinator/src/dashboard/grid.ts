/**
 * The dashboard's grid of a deployment, one page of it: its hosts × lifecycle events, built from
 * the store's read models in one pass (pure), and what changed between two reads of a page, so
 * a live page receives only the hosts that moved.
 */
import { AGENT_EVENT_ORDER, encodeCell, type DeploymentSummary, type GridCell, type GridHost, type GridView } from '../../../protocol/src/index.ts';
import type { EventCellRecord, TargetRecord } from '../store/deployments/views.ts';

/**
 * Columns: every event an agent runs, in its order, from the start (so they do not change, and
 * the whole page is not sent again, each time the first host reaches a new event), then any
 * other event (AfterFailure) once a host of the page has it.
 */
function columnsOf(events: readonly EventCellRecord[]): string[] {
  const columns: string[] = [...AGENT_EVENT_ORDER];
  const known = new Set(columns);
  for (const e of events) {
    if (known.has(e.event)) continue;
    known.add(e.event);
    columns.push(e.event);
  }
  return columns;
}

/** What a page is besides its hosts and columns: the counts and where it stands (grid-page.ts). */
export type GridPageFacts = Pick<GridView, 'counts' | 'status' | 'shown' | 'page' | 'pages' | 'pageSize' | 'grouped'>;

/** The page of `deployment` from its targets (in the page's order) and their events (in any order). */
export function buildGrid(deployment: DeploymentSummary, targets: readonly TargetRecord[], events: readonly EventCellRecord[], facts: GridPageFacts): GridView {
  const columns = columnsOf(events);
  const index = new Map(columns.map((c, i) => [c, i]));
  const cellsByHost = new Map<string, Array<GridCell | null>>();
  for (const e of events) {
    let cells = cellsByHost.get(e.instanceId);
    if (!cells) {
      cells = new Array<GridCell | null>(columns.length).fill(null);
      cellsByHost.set(e.instanceId, cells);
    }
    cells[index.get(e.event) ?? 0] = encodeCell(e.status, e.durationMs, e.errorCode);
  }
  const hosts = targets.map((t): GridHost => ({
    id: t.instanceId,
    hostname: t.hostname,
    status: t.status,
    batch: t.batch ?? null,
    errorCode: t.errorCode ?? null,
    message: t.message ?? null,
    cells: cellsByHost.get(t.instanceId) ?? new Array<GridCell | null>(columns.length).fill(null),
  }));
  return { deployment, events: columns, hosts, ...facts };
}

/** Each host's row as text, to compare grids cheaply. */
export function rowKeys(grid: GridView): Map<string, string> {
  return new Map(grid.hosts.map((h) => [h.id, `${h.status}|${h.batch ?? ''}|${h.errorCode ?? ''}|${h.message ?? ''}|${h.hostname}|${h.cells.join(',')}`]));
}

/** The hosts of `next` whose row differs from `previous` (by {@link rowKeys}). */
export function changedHosts(previous: ReadonlyMap<string, string>, next: GridView): { hosts: GridHost[]; keys: Map<string, string> } {
  const keys = rowKeys(next);
  const hosts = next.hosts.filter((h) => previous.get(h.id) !== keys.get(h.id));
  return { hosts, keys };
}
