/**
 * The traffic part of `deckhand status`: where a blue/green deployment stands, and each host's
 * fleet and balancer state (what Deckhand last set on the group's load balancer).
 */
import type { DeploymentView } from '../../../protocol/src/api.ts';
import { safe } from './sanitize.ts';
import { renderTable } from './table.ts';

const PHASES: Readonly<Record<string, string>> = {
  prepare: 'taking the replacement hosts out of the balancer',
  install: 'deploying the replacement hosts',
  switch: 'moving traffic',
  wait: 'termination wait (traffic may still move back)',
  blue: 'blocking traffic on the original hosts',
  rollback: 'moving traffic back to the original hosts',
};

/** The blue/green line, or nothing for an in-place deployment. */
export function formatBlueGreen(view: DeploymentView): string[] {
  const bg = view.blueGreen;
  if (!bg) return [];
  const step = bg.phase === 'switch' && bg.steps > 1 ? `, step ${bg.step} of ${bg.steps}` : '';
  const until = bg.until === undefined ? '' : ` until ${bg.until}`;
  const moved = bg.trafficMoved ? 'traffic moved' : 'traffic not moved';
  return [safe`  blue/green: blue fleet ${bg.blueFleet}, green fleet ${bg.greenFleet}; ${PHASES[bg.phase] ?? bg.phase}${step}${until}; ${moved}`];
}

/** The table of each host's fleet and balancer state, when the group has traffic control. */
export function formatBalancer(view: DeploymentView): string[] {
  const rows = view.targets.filter((t) => t.balancer !== undefined || t.instanceLabel !== undefined);
  if (rows.length === 0) return [];
  const table = renderTable(
    ['HOST', 'FLEET', 'BALANCER', 'DETAIL'],
    [...rows]
      .sort((a, b) => a.hostname.localeCompare(b.hostname))
      .map((t) => [t.hostname, t.instanceLabel ?? '', t.balancer?.state ?? 'unknown', t.balancer?.detail ?? '']),
  );
  return ['', table];
}
