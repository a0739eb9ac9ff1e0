/**
 * Health-gated rollouts in PostgreSQL (store/health.ts has the repository's contract;
 * sqlite/health.ts the same steps). Units of work run side by side here: a deployment's results
 * are numbered under a lock on its deployment_health row, so two coordinators' monitors never
 * take the same seq.
 */
import type { AlarmConfiguration } from '../../../../protocol/src/index.ts';
import type { AnalysisRecord, DeploymentHealth, GroupHealth, HealthCheckRow, HealthHost, HealthResult, HostQuery, MonitoredDeployment } from '../health.ts';
import {
  jsonOrNull,
  MONITORED_SQL,
  RESULT_COLUMNS,
  resultValues,
  toCheck,
  toDeploymentHealth,
  toGroupHealth,
  toHost,
  toMonitored,
  toResult,
  type RawCheck,
  type RawDeploymentHealth,
  type RawGroupHealth,
  type RawHost,
  type RawMonitored,
  type RawResult,
} from '../rows/health.ts';
import { parseJsonColumn } from '../rows/columns.ts';
import { insertUnique, type Param, type Sql } from './sql.ts';

/** {@inheritDoc HealthRepository.insertCheck} */
export async function insertCheck(q: Sql, row: HealthCheckRow): Promise<void> {
  await insertUnique(
    () => q.run('INSERT INTO health_checks (name, type, spec, created_at, created_by) VALUES ($1, $2, $3, $4, $5)', [row.name, row.type, JSON.stringify(row.spec), row.createdAt, row.createdBy ?? null]),
    `health check ${row.name} already exists`,
  );
}

/** {@inheritDoc HealthRepository.getCheck} */
export async function getCheck(q: Sql, name: string): Promise<HealthCheckRow | undefined> {
  const r = await q.one<RawCheck>('SELECT * FROM health_checks WHERE name = $1', [name]);
  return r && toCheck(r);
}

/** {@inheritDoc HealthRepository.listChecks} */
export async function listChecks(q: Sql): Promise<HealthCheckRow[]> {
  return (await q.rows<RawCheck>('SELECT * FROM health_checks ORDER BY name')).map(toCheck);
}

/** {@inheritDoc HealthRepository.deleteCheck} */
export async function deleteCheck(q: Sql, name: string): Promise<boolean> {
  return (await q.run('DELETE FROM health_checks WHERE name = $1', [name])) === 1;
}

/** {@inheritDoc HealthRepository.setGroupHealth} */
export async function setGroupHealth(q: Sql, deploymentGroupId: string, s: GroupHealth): Promise<void> {
  await q.run(
    `INSERT INTO group_health (deployment_group_id, alarm_configuration, large_blast_radius) VALUES ($1, $2, $3)
     ON CONFLICT (deployment_group_id) DO UPDATE SET alarm_configuration = excluded.alarm_configuration, large_blast_radius = excluded.large_blast_radius`,
    [deploymentGroupId, jsonOrNull(s.alarmConfiguration), jsonOrNull(s.largeBlastRadius)],
  );
}

/** {@inheritDoc HealthRepository.getGroupHealth} */
export async function getGroupHealth(q: Sql, deploymentGroupId: string): Promise<GroupHealth> {
  return toGroupHealth(await q.one<RawGroupHealth>('SELECT alarm_configuration, large_blast_radius FROM group_health WHERE deployment_group_id = $1', [deploymentGroupId]));
}

/** {@inheritDoc HealthRepository.listGroupAlarms} */
export async function listGroupAlarms(q: Sql): Promise<Map<string, AlarmConfiguration>> {
  const rows = await q.rows<{ deployment_group_id: string; alarm_configuration: string }>(
    'SELECT deployment_group_id, alarm_configuration FROM group_health WHERE alarm_configuration IS NOT NULL',
  );
  return new Map(rows.map((r) => [r.deployment_group_id, parseJsonColumn<AlarmConfiguration>(r.alarm_configuration, 'group_health.alarm_configuration')]));
}

/** Makes sure the deployment has its row (every setter below updates it). */
async function ensureRow(q: Sql, deploymentId: string): Promise<void> {
  await q.run('INSERT INTO deployment_health (deployment_id) VALUES ($1) ON CONFLICT (deployment_id) DO NOTHING', [deploymentId]);
}

async function update(q: Sql, deploymentId: string, set: string, args: readonly Param[]): Promise<void> {
  await ensureRow(q, deploymentId);
  await q.run(`UPDATE deployment_health SET ${set} WHERE deployment_id = $${args.length + 1}`, [...args, deploymentId]);
}

/** {@inheritDoc HealthRepository.setDeploymentHealth} */
export async function setDeploymentHealth(q: Sql, deploymentId: string, s: Pick<DeploymentHealth, 'alarmOverride' | 'retryOf'>): Promise<void> {
  await update(q, deploymentId, 'alarm_override = $1, retry_of = $2', [jsonOrNull(s.alarmOverride), s.retryOf ?? null]);
}

/** {@inheritDoc HealthRepository.getDeploymentHealth} */
export async function getDeploymentHealth(q: Sql, deploymentId: string): Promise<DeploymentHealth> {
  return toDeploymentHealth(await q.one<RawDeploymentHealth>('SELECT * FROM deployment_health WHERE deployment_id = $1', [deploymentId]));
}

/** {@inheritDoc HealthRepository.setAnalysis} */
export async function setAnalysis(q: Sql, deploymentId: string, a: AnalysisRecord): Promise<void> {
  await update(q, deploymentId, 'analysis_step = $1, analysis_status = $2, analysis_started_at = $3, analysis_message = $4', [a.step, a.status, a.startedAt, a.message ?? null]);
}

/** {@inheritDoc HealthRepository.setPauseReason} */
export async function setPauseReason(q: Sql, deploymentId: string, reason: string | undefined): Promise<void> {
  await update(q, deploymentId, 'pause_reason = $1', [reason ?? null]);
}

/** {@inheritDoc HealthRepository.setBakeSeconds} */
export async function setBakeSeconds(q: Sql, deploymentId: string, seconds: number): Promise<void> {
  await update(q, deploymentId, 'bake_seconds = $1', [seconds]);
}

/** {@inheritDoc HealthRepository.appendResults} */
export async function appendResults(q: Sql, deploymentId: string, results: readonly HealthResult[]): Promise<void> {
  if (results.length === 0) return;
  await ensureRow(q, deploymentId);
  // The row lock numbers one coordinator's results after the other's.
  await q.one('SELECT deployment_id FROM deployment_health WHERE deployment_id = $1 FOR UPDATE', [deploymentId]);
  const last = await q.one<{ seq: number | null }>('SELECT MAX(seq)::int AS seq FROM health_results WHERE deployment_id = $1', [deploymentId]);
  let seq = last?.seq ?? 0;
  for (const r of results) {
    seq += 1;
    await q.run(`INSERT INTO health_results (deployment_id, seq, ${RESULT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [deploymentId, seq, ...resultValues(r)]);
  }
}

/** {@inheritDoc HealthRepository.resultsOf} */
export async function resultsOf(q: Sql, deploymentId: string, limit = 1000): Promise<HealthResult[]> {
  const rows = await q.rows<RawResult>('SELECT * FROM (SELECT * FROM health_results WHERE deployment_id = $1 ORDER BY seq DESC LIMIT $2) r ORDER BY seq', [deploymentId, limit]);
  return rows.map(toResult);
}

/** {@inheritDoc HealthRepository.measurementsOf} */
export async function measurementsOf(q: Sql, deploymentId: string, step: number): Promise<HealthResult[]> {
  const rows = await q.rows<RawResult>(`SELECT * FROM health_results WHERE deployment_id = $1 AND purpose = 'analysis' AND step = $2 ORDER BY seq`, [deploymentId, step]);
  return rows.map(toResult);
}

/** {@inheritDoc HealthRepository.monitored} */
export async function monitored(q: Sql): Promise<MonitoredDeployment[]> {
  return (await q.rows<RawMonitored>(MONITORED_SQL)).map(toMonitored);
}

/** {@inheritDoc HealthRepository.hostsOf} */
export async function hostsOf(q: Sql, deploymentId: string, query: HostQuery): Promise<HealthHost[]> {
  const rows = await q.rows<RawHost>(
    `SELECT t.instance_id, i.hostname, i.tags, i.inventory, t.step, t.segment, t.status
     FROM deployment_targets t JOIN instances i ON i.instance_id = t.instance_id
     WHERE t.deployment_id = $1 AND ($2::integer IS NULL OR t.step = $2) AND t.status = ANY($3::text[])
     ORDER BY t.position LIMIT $4`,
    [deploymentId, query.step ?? null, query.statuses, query.limit ?? null],
  );
  return rows.map(toHost);
}

/** {@inheritDoc HealthRepository.setRetryStarts} */
export async function setRetryStarts(q: Sql, deploymentId: string, starts: ReadonlyMap<string, string>): Promise<void> {
  if (starts.size === 0) return;
  await q.run('INSERT INTO retry_starts (deployment_id, instance_id, start_event) SELECT $1, * FROM unnest($2::text[], $3::text[])', [deploymentId, [...starts.keys()], [...starts.values()]]);
}

/** {@inheritDoc HealthRepository.retryStartsOf} */
export async function retryStartsOf(q: Sql, deploymentId: string): Promise<Map<string, string>> {
  const rows = await q.rows<{ instance_id: string; start_event: string }>('SELECT instance_id, start_event FROM retry_starts WHERE deployment_id = $1', [deploymentId]);
  return new Map(rows.map((r) => [r.instance_id, r.start_event]));
}
