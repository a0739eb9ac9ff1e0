/**
 * Health-gated rollouts in SQLite (store/health.ts has the repository's contract; the row
 * mappers, shared with PostgreSQL, are in ../rows/health.ts).
 */
import { DeckhandError, type AlarmConfiguration } from '../../../../protocol/src/index.ts';
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
import { isUniqueViolation, parseJsonColumn } from './columns.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';

/** {@inheritDoc HealthRepository.insertCheck} */
export function insertCheck(db: Db, row: HealthCheckRow): void {
  try {
    prepared(db, 'INSERT INTO health_checks (name, type, spec, created_at, created_by) VALUES (?, ?, ?, ?, ?)').run(
      row.name,
      row.type,
      JSON.stringify(row.spec),
      row.createdAt,
      row.createdBy ?? null,
    );
  } catch (err) {
    if (isUniqueViolation(err)) throw new DeckhandError('CONFLICT', `health check ${row.name} already exists`, { cause: err });
    throw err;
  }
}

/** {@inheritDoc HealthRepository.getCheck} */
export function getCheck(db: Db, name: string): HealthCheckRow | undefined {
  const r = prepared(db, 'SELECT * FROM health_checks WHERE name = ?').get(name) as RawCheck | undefined;
  return r && toCheck(r);
}

/** {@inheritDoc HealthRepository.listChecks} */
export function listChecks(db: Db): HealthCheckRow[] {
  return (prepared(db, 'SELECT * FROM health_checks ORDER BY name').all() as RawCheck[]).map(toCheck);
}

/** {@inheritDoc HealthRepository.deleteCheck} */
export function deleteCheck(db: Db, name: string): boolean {
  return prepared(db, 'DELETE FROM health_checks WHERE name = ?').run(name).changes === 1;
}

/** {@inheritDoc HealthRepository.setGroupHealth} */
export function setGroupHealth(db: Db, deploymentGroupId: string, s: GroupHealth): void {
  prepared(db,
    `INSERT INTO group_health (deployment_group_id, alarm_configuration, large_blast_radius) VALUES (?, ?, ?)
     ON CONFLICT (deployment_group_id) DO UPDATE SET alarm_configuration = excluded.alarm_configuration, large_blast_radius = excluded.large_blast_radius`,
  ).run(deploymentGroupId, jsonOrNull(s.alarmConfiguration), jsonOrNull(s.largeBlastRadius));
}

/** {@inheritDoc HealthRepository.getGroupHealth} */
export function getGroupHealth(db: Db, deploymentGroupId: string): GroupHealth {
  return toGroupHealth(prepared(db, 'SELECT alarm_configuration, large_blast_radius FROM group_health WHERE deployment_group_id = ?').get(deploymentGroupId) as RawGroupHealth | undefined);
}

/** {@inheritDoc HealthRepository.listGroupAlarms} */
export function listGroupAlarms(db: Db): Map<string, AlarmConfiguration> {
  const rows = prepared(db, 'SELECT deployment_group_id, alarm_configuration FROM group_health WHERE alarm_configuration IS NOT NULL').all() as {
    deployment_group_id: string;
    alarm_configuration: string;
  }[];
  return new Map(rows.map((r) => [r.deployment_group_id, parseJsonColumn<AlarmConfiguration>(r.alarm_configuration, 'group_health.alarm_configuration')]));
}

/** Makes sure the deployment has its row (every setter below updates it). */
function ensureRow(db: Db, deploymentId: string): void {
  prepared(db, 'INSERT INTO deployment_health (deployment_id) VALUES (?) ON CONFLICT (deployment_id) DO NOTHING').run(deploymentId);
}

/** {@inheritDoc HealthRepository.setDeploymentHealth} */
export function setDeploymentHealth(db: Db, deploymentId: string, s: Pick<DeploymentHealth, 'alarmOverride' | 'retryOf'>): void {
  ensureRow(db, deploymentId);
  prepared(db, 'UPDATE deployment_health SET alarm_override = ?, retry_of = ? WHERE deployment_id = ?').run(jsonOrNull(s.alarmOverride), s.retryOf ?? null, deploymentId);
}

/** {@inheritDoc HealthRepository.getDeploymentHealth} */
export function getDeploymentHealth(db: Db, deploymentId: string): DeploymentHealth {
  return toDeploymentHealth(prepared(db, 'SELECT * FROM deployment_health WHERE deployment_id = ?').get(deploymentId) as RawDeploymentHealth | undefined);
}

/** {@inheritDoc HealthRepository.setAnalysis} */
export function setAnalysis(db: Db, deploymentId: string, a: AnalysisRecord): void {
  ensureRow(db, deploymentId);
  prepared(db, 'UPDATE deployment_health SET analysis_step = ?, analysis_status = ?, analysis_started_at = ?, analysis_message = ? WHERE deployment_id = ?').run(
    a.step,
    a.status,
    a.startedAt,
    a.message ?? null,
    deploymentId,
  );
}

/** {@inheritDoc HealthRepository.setPauseReason} */
export function setPauseReason(db: Db, deploymentId: string, reason: string | undefined): void {
  ensureRow(db, deploymentId);
  prepared(db, 'UPDATE deployment_health SET pause_reason = ? WHERE deployment_id = ?').run(reason ?? null, deploymentId);
}

/** {@inheritDoc HealthRepository.setBakeSeconds} */
export function setBakeSeconds(db: Db, deploymentId: string, seconds: number): void {
  ensureRow(db, deploymentId);
  prepared(db, 'UPDATE deployment_health SET bake_seconds = ? WHERE deployment_id = ?').run(seconds, deploymentId);
}

/** {@inheritDoc HealthRepository.appendResults} */
export function appendResults(db: Db, deploymentId: string, results: readonly HealthResult[]): void {
  if (results.length === 0) return;
  const last = prepared(db, 'SELECT MAX(seq) AS seq FROM health_results WHERE deployment_id = ?').get(deploymentId) as { seq: number | null };
  let seq = last.seq ?? 0;
  const insert = prepared(db, `INSERT INTO health_results (deployment_id, seq, ${RESULT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const r of results) {
    seq += 1;
    insert.run(deploymentId, seq, ...resultValues(r));
  }
}

/** {@inheritDoc HealthRepository.resultsOf} */
export function resultsOf(db: Db, deploymentId: string, limit = 1000): HealthResult[] {
  const rows = prepared(db, 'SELECT * FROM (SELECT * FROM health_results WHERE deployment_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(deploymentId, limit) as RawResult[];
  return rows.map(toResult);
}

/** {@inheritDoc HealthRepository.measurementsOf} */
export function measurementsOf(db: Db, deploymentId: string, step: number): HealthResult[] {
  const rows = prepared(db, `SELECT * FROM health_results WHERE deployment_id = ? AND purpose = 'analysis' AND step = ? ORDER BY seq`).all(deploymentId, step) as RawResult[];
  return rows.map(toResult);
}

/** {@inheritDoc HealthRepository.monitored} */
export function monitored(db: Db): MonitoredDeployment[] {
  return (prepared(db, MONITORED_SQL).all() as RawMonitored[]).map(toMonitored);
}

/** {@inheritDoc HealthRepository.hostsOf} */
export function hostsOf(db: Db, deploymentId: string, q: HostQuery): HealthHost[] {
  const rows = prepared(db,
    `SELECT t.instance_id, i.hostname, i.tags, i.inventory, t.step, t.segment, t.status
     FROM deployment_targets t JOIN instances i ON i.instance_id = t.instance_id
     WHERE t.deployment_id = ? AND (? IS NULL OR t.step = ?) AND t.status IN (SELECT value FROM json_each(?))
     ORDER BY t.position LIMIT ?`,
  ).all(deploymentId, q.step ?? null, q.step ?? null, JSON.stringify(q.statuses), q.limit ?? -1) as RawHost[];
  return rows.map(toHost);
}

/** {@inheritDoc HealthRepository.setRetryStarts} */
export function setRetryStarts(db: Db, deploymentId: string, starts: ReadonlyMap<string, string>): void {
  const insert = prepared(db, 'INSERT INTO retry_starts (deployment_id, instance_id, start_event) VALUES (?, ?, ?)');
  for (const [instanceId, event] of starts) insert.run(deploymentId, instanceId, event);
}

/** {@inheritDoc HealthRepository.retryStartsOf} */
export function retryStartsOf(db: Db, deploymentId: string): Map<string, string> {
  const rows = prepared(db, 'SELECT instance_id, start_event FROM retry_starts WHERE deployment_id = ?').all(deploymentId) as { instance_id: string; start_event: string }[];
  return new Map(rows.map((r) => [r.instance_id, r.start_event]));
}
