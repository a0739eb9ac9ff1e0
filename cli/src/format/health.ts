/**
 * A deployment's health in `deckhand status`: each check's results over time (alarm polls that
 * changed an alarm's state, analysis measurements), oldest first, and the alarm override.
 */
import type { DeploymentView } from '../../../protocol/src/api.ts';
import type { RolloutState } from '../../../protocol/src/rollout.ts';
import { safe } from './sanitize.ts';
import { renderTable } from './table.ts';

/** The rollout's health gates in words: the analysis and a pause it caused. */
export function formatAnalysis(r: RolloutState): string[] {
  const parts: string[] = [];
  const a = r.analysis;
  if (a !== undefined) parts.push(safe`analysis of batch ${a.step}: ${a.status}${a.message === undefined ? '' : safe` (${a.message})`}`);
  if (r.pauseReason !== undefined) parts.push(safe`paused by itself: ${r.pauseReason}`);
  return parts;
}

/** The health section of the status report; empty when the deployment has no health results. */
export function formatHealth(view: DeploymentView): string[] {
  const lines: string[] = [];
  const override = view.overrideAlarmConfiguration;
  if (override !== undefined) {
    lines.push(override.enabled ? safe`alarms (overridden): ${override.alarms.map((a) => a.name).join(', ')}` : 'alarms: none polled (overridden)');
  }
  const results = view.health ?? [];
  if (results.length === 0) return lines;
  const rows = results.map((r) => [
    r.at,
    r.check,
    r.purpose === 'alarm' ? 'alarm' : `analysis, batch ${r.step ?? '?'}`,
    `${r.verdict}${r.dryRun ? ' (dry run)' : ''}`,
    r.message,
  ]);
  return [...lines, 'health checks:', ...renderTable(['AT', 'CHECK', 'FOR', 'VERDICT', 'DETAIL'], rows).split('\n').map((l) => `  ${l}`)];
}
