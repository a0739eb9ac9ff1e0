/**
 * `deckhand deploy --preflight` output: one row per host (host, result, problems), each further
 * problem of a host on a row of its own so long lists stay readable.
 */
import type { PreflightResponse } from '../../../protocol/src/orchestration.ts';
import { renderTable } from './table.ts';

/** Renders the per-host preflight results, then a one-line summary. */
export function formatPreflight(res: PreflightResponse): string {
  if (res.hosts.length === 0) return 'no hosts in the deployment group';
  const rows: string[][] = [];
  for (const h of res.hosts) {
    const [first = '', ...more] = h.problems;
    rows.push([`${h.hostname} (${h.instanceId})`, h.ok ? 'ok' : 'FAIL', first]);
    for (const p of more) rows.push(['', '', p]);
  }
  const failed = res.hosts.filter((h) => !h.ok).length;
  const summary = failed === 0 ? `preflight passed on all ${res.hosts.length} host(s)` : `preflight failed on ${failed} of ${res.hosts.length} host(s)`;
  return `${renderTable(['HOST', 'RESULT', 'PROBLEMS'], rows)}\n${summary}`;
}
