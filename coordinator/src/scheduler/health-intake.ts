/**
 * What the health monitor measured, taken in: one unit of work keeps the results, judges the
 * running analysis from all its measurements (policy/health.ts), reads the alarm poll, and lets
 * the rollout decide (an alarm or a failed analysis ends the deployment, an inconclusive one
 * pauses it, a successful one opens the gate to the next step).
 */
import type { HealthResult } from '../store/health.ts';
import { configFor } from './configs.ts';
import type { Engine } from './engine.ts';
import { effectiveConfig } from './health-gates.ts';
import { judgeAlarms, judgeAnalysis, type AlarmReading } from './policy/health.ts';
import { advance } from './rollout.ts';

/** One round of the health monitor for one deployment. */
export interface HealthReport {
  /** Every alarm of the deployment as this poll read it. */
  alarms?: { readings: AlarmReading[]; ignorePollAlarmFailure: boolean };
  /** Results to keep: alarm changes and analysis measurements. */
  results: HealthResult[];
}

/** Judges the deployment's running analysis from its measurements; stores the verdict once it is one. */
async function judgeRunningAnalysis(e: Engine, deploymentId: string): Promise<void> {
  const d = await e.tx.deployments.get(deploymentId);
  const h = await e.tx.health.getDeploymentHealth(deploymentId);
  if (!d || h.analysis?.status !== 'Running') return;
  const options = effectiveConfig(d, await configFor(e.tx, d.deploymentConfigName), h)?.rollout.analysis;
  if (!options) return;
  const measurements = await e.tx.health.measurementsOf(deploymentId, h.analysis.step);
  const judged = judgeAnalysis(options, measurements.map((m) => ({ check: m.check, verdict: m.verdict, message: m.message })));
  if (judged.status === 'Running') return;
  await e.tx.health.setAnalysis(deploymentId, { ...h.analysis, status: judged.status, message: judged.message });
  e.log.info('analysis judged', { deploymentId, step: h.analysis.step, status: judged.status });
}

/** Takes in one health report of a running deployment; a finished one's is dropped. */
export async function recordHealth(e: Engine, deploymentId: string, report: HealthReport): Promise<void> {
  const d = await e.tx.deployments.get(deploymentId);
  if (d?.status !== 'InProgress') return;
  await e.tx.health.appendResults(deploymentId, report.results);
  await judgeRunningAnalysis(e, deploymentId);
  const alarm = report.alarms ? judgeAlarms(report.alarms.readings, report.alarms.ignorePollAlarmFailure) : undefined;
  await advance(e, deploymentId, alarm);
}
