/**
 * `deckhand checks replay CHECK --from T --to T`: what a prometheus check would have said over a
 * past window, one verdict per `step` seconds, from a range query of its rendered query. Only
 * prometheus checks keep history to replay; the hosts standing for {{canary.*}} and
 * {{baseline.*}} are named by the caller.
 */
import { DeckhandError, type HealthCheckSpec, type ReplayResponse } from '../../../protocol/src/index.ts';
import type { HealthHost } from '../store/health.ts';
import { describeNumberCondition, holds, parseNumberCondition } from './condition.ts';
import { labelText, rangeQuery } from './prometheus.ts';
import { MeasureError } from './request.ts';
import { namesHosts, render } from './template.ts';

/** What to replay. */
export interface ReplayWindow {
  from: Date;
  to: Date;
  stepSeconds: number;
  canary: string[];
  baseline: string[];
}

/** Prometheus answers at most 11,000 points per series. */
const MAX_POINTS = 11_000;

const asHosts = (names: readonly string[]): HealthHost[] =>
  names.map((hostname) => ({ instanceId: hostname, hostname, tags: {}, step: 1, segment: null, status: 'Succeeded' }));

function invalid(message: string): DeckhandError {
  return new DeckhandError('VALIDATION_FAILED', message);
}

/** Replays `spec` over the window; throws VALIDATION_FAILED for a check or window that cannot be replayed. */
export async function replayCheck(name: string, spec: HealthCheckSpec, w: ReplayWindow): Promise<ReplayResponse> {
  if (spec.type !== 'prometheus') throw invalid(`check ${name} is a ${spec.type} check, which keeps no history: only prometheus checks can be replayed`);
  if (w.to <= w.from) throw invalid('to: must be after from');
  const points = (w.to.getTime() - w.from.getTime()) / 1000 / w.stepSeconds;
  if (points > MAX_POINTS) throw invalid(`step: ${Math.ceil(points)} evaluations over this window; Prometheus answers at most ${MAX_POINTS}: use a larger step`);
  for (const which of ['canary', 'baseline'] as const) {
    if (namesHosts(spec.query, which) && w[which].length === 0) throw invalid(`${which}: the query names {{${which}.*}}: give the host names standing for it (${which}=host-1,host-2)`);
  }
  const condition = parseNumberCondition(spec.condition);
  if (!condition.ok) throw invalid(`condition: ${condition.error}`);
  const query = render(spec.query, { deploymentId: 'replay', groupName: '', applicationName: '', canary: asHosts(w.canary), baseline: asHosts(w.baseline), hostLabel: spec.hostLabel });
  let series;
  try {
    series = await rangeQuery({ address: spec.address, headers: spec.headers, timeoutMs: spec.timeoutSeconds * 1000 }, query, w.from, w.to, w.stepSeconds);
  } catch (err) {
    if (err instanceof MeasureError) throw new DeckhandError('VALIDATION_FAILED', `check ${name}: ${err.message}`, { cause: err });
    throw err;
  }
  const c = condition.condition;
  const results: ReplayResponse['results'] = [];
  const counts: Record<string, number> = { Successful: 0, Failed: 0, Inconclusive: 0, Error: 0 };
  for (let t = w.from.getTime() / 1000; t <= w.to.getTime() / 1000 + 1e-6; t += w.stepSeconds) {
    const at = series.flatMap((s) => s.times.flatMap((time, i) => (Math.abs(time - t) < 1e-3 ? [{ labels: s.labels, value: s.values[i] as number }] : [])));
    const failing = at.filter((x) => !holds(x.value, c));
    const iso = new Date(t * 1000).toISOString();
    let result: ReplayResponse['results'][number];
    if (at.length === 0 || at.some((x) => Number.isNaN(x.value))) result = { at: iso, verdict: 'Inconclusive', message: 'no data' };
    else if (failing[0]) result = { at: iso, verdict: 'Failed', value: failing[0].value, message: `result ${failing[0].value}${labelText(failing[0].labels)} is not ${describeNumberCondition(c)}` };
    else result = { at: iso, verdict: 'Successful', value: (at[0] as { value: number }).value, message: `result ${(at[0] as { value: number }).value} ${describeNumberCondition(c)}` };
    counts[result.verdict] = (counts[result.verdict] ?? 0) + 1;
    results.push(result);
  }
  return { check: name, results, counts };
}
