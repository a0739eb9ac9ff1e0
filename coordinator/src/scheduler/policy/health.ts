/**
 * Health verdicts as rollout inputs, decided without I/O: what a poll of a deployment's alarms
 * means (CodeDeploy's contract: one in alarm stops it; one that cannot be read stops it unless
 * ignorePollAlarmFailure), and where a step's analysis stands after its measurements (Argo
 * Rollouts' limits: failureLimit, inconclusiveLimit, consecutiveErrorLimit, count, dryRun).
 * The health monitor measures (coordinator/src/health/); decideRollout acts on the verdicts.
 */
import type { AnalysisOptions, CheckVerdict } from '../../../../protocol/src/index.ts';

/** The state of one alarm, as one poll read it. */
export interface AlarmReading {
  name: string;
  verdict: CheckVerdict;
  message: string;
}

/** An alarm poll that stops the deployment: the message names every alarm that did. */
export interface AlarmStop {
  message: string;
}

/**
 * What one poll of a deployment's alarms means. Failed: in alarm; Error: its state could not be
 * read; Successful and Inconclusive (no data, as CloudWatch's INSUFFICIENT_DATA): not in alarm.
 */
export function judgeAlarms(readings: readonly AlarmReading[], ignorePollAlarmFailure: boolean): AlarmStop | undefined {
  const active = readings.filter((r) => r.verdict === 'Failed');
  const unreadable = ignorePollAlarmFailure ? [] : readings.filter((r) => r.verdict === 'Error');
  if (active.length === 0 && unreadable.length === 0) return undefined;
  const parts: string[] = [];
  if (active.length > 0) {
    parts.push(`alarm${active.length > 1 ? 's' : ''} ${active.map((r) => `${r.name} (${r.message})`).join(', ')} ${active.length > 1 ? 'were' : 'was'} in alarm`);
  }
  if (unreadable.length > 0) {
    parts.push(`the state of ${unreadable.map((r) => `${r.name} (${r.message})`).join(', ')} could not be read (ignorePollAlarmFailure is false)`);
  }
  return { message: `The deployment was stopped because ${parts.join('; and ')}.` };
}

/** One measurement of one check of an analysis, oldest first. */
export interface Measurement {
  check: string;
  verdict: CheckVerdict;
  message: string;
}

/** Where an analysis stands: Running until it is decided. */
export type AnalysisJudgement =
  | { status: 'Running' }
  | { status: 'Successful' | 'Failed' | 'Inconclusive'; message: string };

/** How one check's measurements add up. */
interface Tally {
  taken: number;
  failed: number;
  inconclusive: number;
  /** Errors since the last measurement that was not one. */
  errorsInARow: number;
  lastFailed?: string;
  lastInconclusive?: string;
  lastError?: string;
}

function tally(measurements: readonly Measurement[]): Tally {
  const t: Tally = { taken: 0, failed: 0, inconclusive: 0, errorsInARow: 0 };
  for (const m of measurements) {
    t.taken += 1;
    t.errorsInARow = m.verdict === 'Error' ? t.errorsInARow + 1 : 0;
    if (m.verdict === 'Failed') {
      t.failed += 1;
      t.lastFailed = m.message;
    } else if (m.verdict === 'Inconclusive') {
      t.inconclusive += 1;
      t.lastInconclusive = m.message;
    } else if (m.verdict === 'Error') {
      t.lastError = m.message;
    }
  }
  return t;
}

/** True when `check` only records (dryRun true, or named in it). */
export function isDryRun(options: Pick<AnalysisOptions, 'dryRun'>, check: string): boolean {
  return options.dryRun === true || (Array.isArray(options.dryRun) && options.dryRun.includes(check));
}

/** Why `check` fails or stalls the analysis, if it does. */
function checkVerdict(check: string, t: Tally, o: AnalysisOptions): { status: 'Failed' | 'Inconclusive'; message: string } | undefined {
  if (t.failed > o.failureLimit) {
    return { status: 'Failed', message: `check ${check}: ${t.failed} of ${t.taken} measurements Failed (failureLimit ${o.failureLimit}); last: ${t.lastFailed ?? ''}` };
  }
  if (t.errorsInARow > o.consecutiveErrorLimit) {
    return { status: 'Failed', message: `check ${check}: ${t.errorsInARow} measurements in a row could not be taken (consecutiveErrorLimit ${o.consecutiveErrorLimit}); last: ${t.lastError ?? ''}` };
  }
  if (t.inconclusive > o.inconclusiveLimit) {
    return { status: 'Inconclusive', message: `check ${check}: ${t.inconclusive} of ${t.taken} measurements Inconclusive (inconclusiveLimit ${o.inconclusiveLimit}); last: ${t.lastInconclusive ?? ''}` };
  }
  return undefined;
}

/**
 * Judges a step's analysis from its measurements so far. A check that exceeds failureLimit or
 * consecutiveErrorLimit fails it at once, one that exceeds inconclusiveLimit makes it
 * Inconclusive (a Failed check wins); once every check has `count` measurements it is
 * Successful. Dry-run checks are measured to the end too, but decide nothing.
 */
export function judgeAnalysis(options: AnalysisOptions, measurements: readonly Measurement[]): AnalysisJudgement {
  const byCheck = new Map<string, Measurement[]>(options.checks.map((c) => [c, []]));
  for (const m of measurements) byCheck.get(m.check)?.push(m);
  const verdicts = options.checks.flatMap((check) => {
    if (isDryRun(options, check)) return [];
    const v = checkVerdict(check, tally(byCheck.get(check) ?? []), options);
    return v ? [v] : [];
  });
  const failed = verdicts.find((v) => v.status === 'Failed');
  if (failed) return failed;
  const inconclusive = verdicts.find((v) => v.status === 'Inconclusive');
  if (inconclusive) return inconclusive;
  const done = options.checks.every((c) => (byCheck.get(c)?.length ?? 0) >= options.count);
  if (!done) return { status: 'Running' };
  const decided = options.checks.filter((c) => !isDryRun(options, c));
  return { status: 'Successful', message: `${options.count} measurement(s) of ${decided.length > 0 ? decided.join(', ') : 'dry-run checks only'} within limits` };
}

/** How many measurements of each check are due `elapsedMs` after the analysis started. */
export function measurementsDue(options: Pick<AnalysisOptions, 'intervalSeconds' | 'count'>, elapsedMs: number): number {
  return Math.min(options.count, Math.max(0, Math.floor(elapsedMs / (options.intervalSeconds * 1000))));
}
