/**
 * Alarms that are Alertmanager alerts: an alarm not named after a health check is in alarm while
 * the Alertmanager has an active alert of that name that is neither silenced nor inhibited
 * (GET /api/v2/alerts?filter=alertname="NAME").
 */
import type { Outcome } from './outcome.ts';
import { jsonOf, MeasureError, send } from './request.ts';

/** The alarm `name` as the Alertmanager at `url` sees it now. */
export async function alertmanagerAlarm(url: string, name: string, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
  const filter = `alertname="${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  // Unprocessed alerts (not routed yet) fire all the same: they are kept.
  const query = new URLSearchParams({ active: 'true', silenced: 'false', inhibited: 'false', filter });
  try {
    const answer = await send({ url: `${url.replace(/\/+$/, '')}/api/v2/alerts?${query.toString()}`, method: 'GET', headers: { accept: 'application/json' }, timeoutMs, ...(signal ? { signal } : {}) });
    if (answer.status !== 200) throw new MeasureError(`the Alertmanager answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    const alerts = jsonOf(answer, 'the Alertmanager');
    if (!Array.isArray(alerts)) throw new MeasureError('the Alertmanager did not answer with a list of alerts');
    if (alerts.length === 0) return { verdict: 'Successful', message: `no alert ${name} firing` };
    const since = (alerts as { startsAt?: unknown }[]).map((a) => (typeof a.startsAt === 'string' ? a.startsAt : '')).filter(Boolean).sort()[0];
    return { verdict: 'Failed', message: `${alerts.length} alert(s) ${name} firing in the Alertmanager${since ? ` since ${since}` : ''}`, value: alerts.length };
  } catch (err) {
    return { verdict: 'Error', message: err instanceof MeasureError ? err.message : String(err) };
  }
}
