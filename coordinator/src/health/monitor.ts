/**
 * The health monitor: every `tickMs` (250 ms) it reads which running deployments have alarms or a
 * running analysis, polls each deployment's alarms every `alarmPollMs` (10 s by default; the
 * first poll as soon as the deployment is seen) and takes each analysis measurement when it is
 * due (every intervalSeconds from the analysis' start), then hands the round to the scheduler,
 * which judges and decides in one unit of work. A deployment's rounds never overlap; a slow
 * check holds only its own deployment. Measuring does I/O and happens here, outside any unit of
 * work; deciding happens there.
 */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { AnalysisOptions, CheckVerdict, HealthCheckSpec } from '../../../protocol/src/index.ts';
import type { HealthReport } from '../scheduler/index.ts';
import { isDryRun, measurementsDue, type AlarmReading } from '../scheduler/policy/health.ts';
import type { HealthHost, HealthResult, MonitoredDeployment } from '../store/health.ts';
import type { Store } from '../store/store.ts';
import { alertmanagerAlarm } from './alertmanager.ts';
import { score, verdictOfScore, type Judged } from './baseline.ts';
import type { CheckContext, CheckEvaluator, Outcome } from './checks.ts';

/** Where the monitor hands what it measured (the scheduler). */
export interface HealthSink {
  recordHealth(deploymentId: string, report: HealthReport): Promise<void>;
}

/** Dependencies of the {@link HealthMonitor}. */
export interface HealthMonitorDeps {
  store: Store;
  sink: HealthSink;
  clock: Clock;
  logger: Logger;
  evaluator: CheckEvaluator;
  /** How often alarms are polled while a deployment runs. @default 10000 */
  alarmPollMs?: number;
  /** How often the monitor looks for work: how late a due measurement or poll may be. @default 250 */
  tickMs?: number;
  /** The Alertmanager that alarms not named after a health check are looked up in. */
  alertmanagerUrl?: string;
  /**
   * The deployments this coordinator drives, among several on one store: only those are watched,
   * so each deployment's alarms are polled once. Absent (alone on its store): every one.
   */
  owned?: () => readonly string[];
}

/** Alarm poll interval when none is configured. */
export const DEFAULT_ALARM_POLL_MS = 10_000;

/** Hosts a deployment has taken so far: what its alarms judge. */
const TAKEN = ['InProgress', 'Succeeded', 'Failed'] as const;

/** Watches running deployments' health. One per coordinator. */
export class HealthMonitor {
  private readonly log: Logger;
  private readonly alarmPollMs: number;
  private readonly tickMs: number;
  private timer: TimerHandle | undefined;
  private stopped = true;
  private readonly busy = new Set<string>();
  /** When each deployment's alarms were last polled (monotonic ms). */
  private readonly lastPoll = new Map<string, number>();
  /** The last verdict of each alarm of each deployment: only changes are kept. */
  private readonly lastVerdicts = new Map<string, Map<string, CheckVerdict>>();

  constructor(private readonly deps: HealthMonitorDeps) {
    this.log = deps.logger.child({ component: 'health' });
    this.alarmPollMs = deps.alarmPollMs ?? DEFAULT_ALARM_POLL_MS;
    // At 1 s a measurement due just after a tick waited almost a second: a stop could come a
    // second past the analysis interval. A tick that finds nothing due is one indexed query.
    this.tickMs = deps.tickMs ?? 250;
  }

  /** Starts ticking. */
  start(): void {
    this.stopped = false;
    this.arm();
  }

  /** Stops ticking; rounds under way finish and are still handed over. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped || !this.deps.store.open) return;
      this.tick().catch((err: unknown) => this.log.error('health tick failed', { err }));
      this.arm();
    }, this.tickMs);
  }

  /** Looks for due work once; resolves when the rounds it started are handed over (tests await it). */
  async tick(): Promise<void> {
    const owned = this.deps.owned === undefined ? undefined : new Set(this.deps.owned());
    const watched = (await this.deps.store.health.monitored()).filter((d) => owned === undefined || owned.has(d.deploymentId));
    const ids = new Set(watched.map((d) => d.deploymentId));
    for (const id of [...this.lastPoll.keys()]) if (!ids.has(id)) this.lastPoll.delete(id);
    for (const id of [...this.lastVerdicts.keys()]) if (!ids.has(id)) this.lastVerdicts.delete(id);
    const checks = new Map((await this.deps.store.health.listChecks()).map((c) => [c.name, c.spec]));
    await Promise.all(watched.filter((d) => !this.busy.has(d.deploymentId)).map((d) => this.round(d, checks)));
  }

  private async round(d: MonitoredDeployment, checks: ReadonlyMap<string, HealthCheckSpec>): Promise<void> {
    this.busy.add(d.deploymentId);
    try {
      const report: HealthReport = { results: [] };
      const alarms = await this.pollAlarms(d, checks, report);
      const measured = await this.measureAnalysis(d, checks, report);
      if (alarms || measured) await this.deps.sink.recordHealth(d.deploymentId, report);
    } catch (err) {
      this.log.error('health round failed', { deploymentId: d.deploymentId, err });
    } finally {
      this.busy.delete(d.deploymentId);
    }
  }

  private context(d: MonitoredDeployment, step: number | undefined): CheckContext {
    const health = this.deps.store.health;
    let canary: Promise<HealthHost[]> | undefined;
    const canaryHosts = (): Promise<HealthHost[]> =>
      (canary ??= health.hostsOf(d.deploymentId, step === undefined ? { statuses: TAKEN } : { step, statuses: ['Succeeded'] }));
    const baselineHosts = async (): Promise<HealthHost[]> => {
      const hosts = await canaryHosts();
      const pending = await health.hostsOf(d.deploymentId, { statuses: ['Pending'] });
      // The same segment's hosts first, as Kayenta compares like with like.
      const segment = hosts[0]?.segment ?? null;
      const ordered = [...pending.filter((h) => h.segment === segment), ...pending.filter((h) => h.segment !== segment)];
      return ordered.slice(0, hosts.length);
    };
    return {
      deploymentId: d.deploymentId,
      groupName: d.groupName,
      applicationName: d.applicationName,
      ...(step === undefined ? {} : { step }),
      now: this.deps.clock.now(),
      canary: canaryHosts,
      baseline: baselineHosts,
    };
  }

  /** Reads every alarm when a poll is due; keeps the results that changed. */
  private async pollAlarms(d: MonitoredDeployment, checks: ReadonlyMap<string, HealthCheckSpec>, report: HealthReport): Promise<boolean> {
    const config = d.alarms;
    if (!config?.enabled || config.alarms.length === 0) return false;
    const now = this.deps.clock.monotonicMs();
    const last = this.lastPoll.get(d.deploymentId);
    if (last !== undefined && now - last < this.alarmPollMs) return false;
    this.lastPoll.set(d.deploymentId, now);
    const ctx = this.context(d, undefined);
    const readings: (Outcome & { name: string })[] = await Promise.all(
      config.alarms.map(async ({ name }) => ({ name, ...(await this.readAlarm(name, checks, ctx)) })),
    );
    const seen = this.lastVerdicts.get(d.deploymentId) ?? new Map<string, CheckVerdict>();
    this.lastVerdicts.set(d.deploymentId, seen);
    const at = this.deps.clock.now().toISOString();
    for (const r of readings) {
      if (seen.get(r.name) === r.verdict) continue;
      seen.set(r.name, r.verdict);
      report.results.push({ at, check: r.name, purpose: 'alarm', verdict: r.verdict, message: r.message, dryRun: false, ...(r.value === undefined ? {} : { value: r.value }) });
    }
    const alarmReadings: AlarmReading[] = readings.map((r) => ({ name: r.name, verdict: r.verdict, message: r.message }));
    report.alarms = { readings: alarmReadings, ignorePollAlarmFailure: config.ignorePollAlarmFailure };
    return true;
  }

  private readAlarm(name: string, checks: ReadonlyMap<string, HealthCheckSpec>, ctx: CheckContext): Promise<Outcome> {
    const spec = checks.get(name);
    if (spec) return this.deps.evaluator.evaluate(spec, ctx);
    if (this.deps.alertmanagerUrl !== undefined) return alertmanagerAlarm(this.deps.alertmanagerUrl, name, 10_000);
    return Promise.resolve({ verdict: 'Error', message: `no health check is named ${name}, and the coordinator has no Alertmanager (--alertmanager)` });
  }

  /** Takes the measurements of a running analysis that are due. */
  private async measureAnalysis(d: MonitoredDeployment, checks: ReadonlyMap<string, HealthCheckSpec>, report: HealthReport): Promise<boolean> {
    const analysis = d.analysis;
    const options = d.rollout?.analysis;
    if (analysis?.status !== 'Running' || !options) return false;
    const started = Date.parse(analysis.startedAt);
    const due = measurementsDue(options, this.deps.clock.now().getTime() - started);
    const taken = new Map<string, number>();
    for (const m of await this.deps.store.health.measurementsOf(d.deploymentId, analysis.step)) taken.set(m.check, (taken.get(m.check) ?? 0) + 1);
    const names = options.checks.filter((c) => (taken.get(c) ?? 0) < due);
    if (names.length === 0) return false;
    const ctx = this.context(d, analysis.step);
    const outcomes = await this.measure(names, options, checks, ctx, new Date(started));
    const at = this.deps.clock.now().toISOString();
    names.forEach((check, i) => {
      const o = outcomes[i] as Outcome;
      const result: HealthResult = { at, check, purpose: 'analysis', step: analysis.step, verdict: o.verdict, message: o.message, dryRun: isDryRun(options, check) };
      if (o.value !== undefined) result.value = o.value;
      report.results.push(result);
    });
    return true;
  }

  /**
   * One measurement of each named check. With a baseline, the prometheus checks are judged
   * together (Kayenta's score over them) and each gets the round's verdict.
   */
  private async measure(names: readonly string[], options: AnalysisOptions, checks: ReadonlyMap<string, HealthCheckSpec>, ctx: CheckContext, from: Date): Promise<Outcome[]> {
    const baseline = options.baseline;
    const outcomes = await Promise.all(
      names.map(async (name): Promise<Outcome | Judged> => {
        const spec = checks.get(name);
        if (!spec) return { verdict: 'Error', message: `health check ${name} no longer exists` };
        if (baseline && spec.type === 'prometheus') return this.deps.evaluator.compare(spec, ctx, from, baseline);
        return this.deps.evaluator.evaluate(spec, ctx);
      }),
    );
    const judged = outcomes.filter((o): o is Judged => 'classification' in o);
    if (!baseline || judged.length === 0) return outcomes as Outcome[];
    const s = score(judged.map((j) => j.classification));
    const verdict = verdictOfScore(s, baseline);
    const head = s === undefined ? 'no data to compare' : `score ${s.toFixed(0)} (marginal ${baseline.marginal}, pass ${baseline.pass})`;
    return outcomes.map((o) => ('classification' in o ? { verdict, message: `${head}: ${o.classification}: ${o.message}`, ...(s === undefined ? {} : { value: s }) } : o));
  }
}
