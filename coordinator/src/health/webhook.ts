/**
 * The answer of a deployment monitor (a webhook check): `{directive: continue|abort|pause,
 * reason}`, or Spinnaker's monitored-deploy shape `{nextStep: {directive: CONTINUE|COMPLETE|
 * ABORT|ROLLBACK|WAIT}, statusReason}`, as a check outcome: continue passes, abort fails, pause
 * is inconclusive (an analysis then pauses the deployment with the monitor's reason).
 */
import type { Outcome } from './outcome.ts';
import { MeasureError } from './request.ts';

const VERDICTS: Readonly<Record<string, Outcome['verdict']>> = {
  continue: 'Successful',
  complete: 'Successful',
  abort: 'Failed',
  rollback: 'Failed',
  pause: 'Inconclusive',
  wait: 'Inconclusive',
};

/** The outcome a monitor's JSON answer stands for; throws MeasureError when it names no directive. */
export function webhookOutcome(body: unknown): Outcome {
  const b = (body ?? {}) as { directive?: unknown; reason?: unknown; nextStep?: { directive?: unknown }; statusReason?: unknown };
  const raw = typeof b.directive === 'string' ? b.directive : b.nextStep?.directive;
  const verdict = typeof raw === 'string' ? VERDICTS[raw.toLowerCase()] : undefined;
  if (verdict === undefined) throw new MeasureError(`the deployment monitor's answer has no directive continue, abort or pause (got ${JSON.stringify(raw ?? null)})`);
  const reason = typeof b.reason === 'string' ? b.reason : typeof b.statusReason === 'string' ? b.statusReason : 'no reason given';
  return { verdict, message: `${String(raw).toLowerCase()}: ${reason.slice(0, 1000)}` };
}
