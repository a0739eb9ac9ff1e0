/**
 * Health-gated rollouts in SQLite (store/health.ts has the repository's contract).
 */
import { DeckhandError, type AlarmConfiguration, type Inventory, type RolloutOptions, type StepKind, type Tags } from '../../../../protocol/src/index.ts';
import type {
  AnalysisRecord,
  DeploymentHealth,
  GroupHealth,
  HealthCheckRow,
  HealthHost,
  HealthResult,
  HostQuery,
  MonitoredDeployment,
} from '../health.ts';
import { isUniqueViolation, parseJsonColumn, setOptional } from './columns.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';

interface RawCheck {
  name: string;
  type: HealthCheckRow['type'];
  spec: string;
  created_at: string;
  created_by: string | null;
}

function toCheck(r: RawCheck): HealthCheckRow {
  const row: HealthCheckRow = { name: r.name, type: r.type, spec: parseJsonColumn(r.spec, 'health_checks.spec'), createdAt: r.created_at };
  setOptional(row, 'createdBy', r.created_by);
  return row;
}

/** Stores a check; throws CONFLICT when the name is taken. */
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

export function getCheck(db: Db, name: string): HealthCheckRow | undefined {
  const r = prepared(db, 'SELECT * FROM health_checks WHERE name = ?').get(name) as RawCheck | undefined;
  return r && toCheck(r);
}

export function listChecks(db: Db): HealthCheckRow[] {
  return (prepared(db, 'SELECT * FROM health_checks ORDER BY name').all() as RawCheck[]).map(toCheck);
}

export function deleteCheck(db: Db, name: string): boolean {
  return prepared(db, 'DELETE FROM health_checks WHERE name = ?').run(name).changes === 1;
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

export function setGroupHealth(db: Db, deploymentGroupId: string, s: GroupHealth): void {
  prepared(db,
    `INSERT INTO group_health (deployment_group_id, alarm_configuration, large_blast_radius) VALUES (?, ?, ?)
     ON CONFLICT (deployment_group_id) DO UPDATE SET alarm_configuration = excluded.alarm_configuration, large_blast_radius = excluded.large_blast_radius`,
  ).run(deploymentGroupId, json(s.alarmConfiguration), json(s.largeBlastRadius));
}

export function getGroupHealth(db: Db, deploymentGroupId: string): GroupHealth {
  const r = prepared(db, 'SELECT alarm_configuration, large_blast_radius FROM group_health WHERE deployment_group_id = ?').get(deploymentGroupId) as
    | { alarm_configuration: string | null; large_blast_radius: string | null }
    | undefined;
  const out: GroupHealth = {};
  if (r?.alarm_configuration) out.alarmConfiguration = parseJsonColumn(r.alarm_configuration, 'group_health.alarm_configuration');
  if (r?.large_blast_radius) out.largeBlastRadius = parseJsonColumn(r.large_blast_radius, 'group_health.large_blast_radius');
  return out;
}

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

export function setDeploymentHealth(db: Db, deploymentId: string, s: Pick<DeploymentHealth, 'alarmOverride' | 'retryOf'>): void {
  ensureRow(db, deploymentId);
  prepared(db, 'UPDATE deployment_health SET alarm_override = ?, retry_of = ? WHERE deployment_id = ?').run(json(s.alarmOverride), s.retryOf ?? null, deploymentId);
}

interface RawAnalysis {
  analysis_step: number | null;
  analysis_status: AnalysisRecord['status'] | null;
  analysis_started_at: string | null;
  analysis_message: string | null;
}

function toAnalysis(r: RawAnalysis): AnalysisRecord | undefined {
  if (r.analysis_step === null || r.analysis_status === null || r.analysis_started_at === null) return undefined;
  const a: AnalysisRecord = { step: r.analysis_step, status: r.analysis_status, startedAt: r.analysis_started_at };
  setOptional(a, 'message', r.analysis_message);
  return a;
}

export function getDeploymentHealth(db: Db, deploymentId: string): DeploymentHealth {
  const r = prepared(db, 'SELECT * FROM deployment_health WHERE deployment_id = ?').get(deploymentId) as
    | (RawAnalysis & { alarm_override: string | null; retry_of: string | null; bake_seconds: number | null; pause_reason: string | null })
    | undefined;
  if (!r) return {};
  const out: DeploymentHealth = {};
  if (r.alarm_override) out.alarmOverride = parseJsonColumn(r.alarm_override, 'deployment_health.alarm_override');
  setOptional(out, 'retryOf', r.retry_of);
  setOptional(out, 'bakeSeconds', r.bake_seconds);
  setOptional(out, 'pauseReason', r.pause_reason);
  const analysis = toAnalysis(r);
  if (analysis) out.analysis = analysis;
  return out;
}

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

export function setPauseReason(db: Db, deploymentId: string, reason: string | undefined): void {
  ensureRow(db, deploymentId);
  prepared(db, 'UPDATE deployment_health SET pause_reason = ? WHERE deployment_id = ?').run(reason ?? null, deploymentId);
}

export function setBakeSeconds(db: Db, deploymentId: string, seconds: number): void {
  ensureRow(db, deploymentId);
  prepared(db, 'UPDATE deployment_health SET bake_seconds = ? WHERE deployment_id = ?').run(seconds, deploymentId);
}

export function appendResults(db: Db, deploymentId: string, results: readonly HealthResult[]): void {
  if (results.length === 0) return;
  const last = prepared(db, 'SELECT MAX(seq) AS seq FROM health_results WHERE deployment_id = ?').get(deploymentId) as { seq: number | null };
  let seq = last.seq ?? 0;
  const insert = prepared(db,
    `INSERT INTO health_results (deployment_id, seq, at, check_name, purpose, step, verdict, value, message, dry_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of results) {
    seq += 1;
    insert.run(deploymentId, seq, r.at, r.check, r.purpose, r.step ?? null, r.verdict, r.value ?? null, r.message, r.dryRun ? 1 : 0);
  }
}

interface RawResult {
  at: string;
  check_name: string;
  purpose: HealthResult['purpose'];
  step: number | null;
  verdict: HealthResult['verdict'];
  value: number | null;
  message: string;
  dry_run: number;
}

function toResult(r: RawResult): HealthResult {
  const out: HealthResult = { at: r.at, check: r.check_name, purpose: r.purpose, verdict: r.verdict, message: r.message, dryRun: r.dry_run !== 0 };
  setOptional(out, 'step', r.step);
  setOptional(out, 'value', r.value);
  return out;
}

export function resultsOf(db: Db, deploymentId: string, limit = 1000): HealthResult[] {
  const rows = prepared(db, 'SELECT * FROM (SELECT * FROM health_results WHERE deployment_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(deploymentId, limit) as RawResult[];
  return rows.map(toResult);
}

export function measurementsOf(db: Db, deploymentId: string, step: number): HealthResult[] {
  const rows = prepared(db, `SELECT * FROM health_results WHERE deployment_id = ? AND purpose = 'analysis' AND step = ? ORDER BY seq`).all(deploymentId, step) as RawResult[];
  return rows.map(toResult);
}

interface RawMonitored extends RawAnalysis {
  deployment_id: string;
  deployment_group_id: string;
  group_name: string;
  application_name: string;
  creator: string;
  step_kind: StepKind;
  group_alarms: string | null;
  alarm_override: string | null;
  rollout: string | null;
}

export function monitored(db: Db): MonitoredDeployment[] {
  const rows = prepared(db,
    `SELECT d.deployment_id, d.deployment_group_id, g.name AS group_name, a.name AS application_name, d.creator, d.step_kind,
            gh.alarm_configuration AS group_alarms, dh.alarm_override, dh.analysis_step, dh.analysis_status, dh.analysis_started_at,
            dh.analysis_message, c.rollout
     FROM deployments d
     JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id
     JOIN applications a ON a.application_id = d.application_id
     LEFT JOIN group_health gh ON gh.deployment_group_id = d.deployment_group_id
     LEFT JOIN deployment_health dh ON dh.deployment_id = d.deployment_id
     LEFT JOIN deployment_configs c ON c.name = d.deployment_config_name
     WHERE d.status = 'InProgress'
       AND (gh.alarm_configuration IS NOT NULL OR dh.alarm_override IS NOT NULL OR dh.analysis_status = 'Running')
     ORDER BY d.created_at`,
  ).all() as RawMonitored[];
  return rows.map((r) => {
    const out: MonitoredDeployment = {
      deploymentId: r.deployment_id,
      deploymentGroupId: r.deployment_group_id,
      groupName: r.group_name,
      applicationName: r.application_name,
      creator: r.creator,
      kind: r.step_kind,
    };
    const alarms = r.alarm_override ?? r.group_alarms;
    if (alarms !== null) out.alarms = parseJsonColumn(alarms, 'alarm configuration');
    const analysis = toAnalysis(r);
    if (analysis) out.analysis = analysis;
    if (r.rollout !== null) out.rollout = parseJsonColumn<RolloutOptions>(r.rollout, 'deployment_configs.rollout');
    return out;
  });
}

interface RawHost {
  instance_id: string;
  hostname: string;
  tags: string;
  inventory: string | null;
  step: number;
  segment: string | null;
  status: HealthHost['status'];
}

export function hostsOf(db: Db, deploymentId: string, q: HostQuery): HealthHost[] {
  const rows = prepared(db,
    `SELECT t.instance_id, i.hostname, i.tags, i.inventory, t.step, t.segment, t.status
     FROM deployment_targets t JOIN instances i ON i.instance_id = t.instance_id
     WHERE t.deployment_id = ? AND (? IS NULL OR t.step = ?) AND t.status IN (SELECT value FROM json_each(?))
     ORDER BY t.position LIMIT ?`,
  ).all(deploymentId, q.step ?? null, q.step ?? null, JSON.stringify(q.statuses), q.limit ?? -1) as RawHost[];
  return rows.map((r) => {
    const host: HealthHost = {
      instanceId: r.instance_id,
      hostname: r.hostname,
      tags: parseJsonColumn<Tags>(r.tags, 'instances.tags'),
      step: r.step,
      segment: r.segment,
      status: r.status,
    };
    const address = r.inventory === null ? undefined : parseJsonColumn<Inventory>(r.inventory, 'instances.inventory').addresses[0];
    if (address !== undefined) host.address = address;
    return host;
  });
}

export function setRetryStarts(db: Db, deploymentId: string, starts: ReadonlyMap<string, string>): void {
  const insert = prepared(db, 'INSERT INTO retry_starts (deployment_id, instance_id, start_event) VALUES (?, ?, ?)');
  for (const [instanceId, event] of starts) insert.run(deploymentId, instanceId, event);
}

export function retryStartsOf(db: Db, deploymentId: string): Map<string, string> {
  const rows = prepared(db, 'SELECT instance_id, start_event FROM retry_starts WHERE deployment_id = ?').all(deploymentId) as { instance_id: string; start_event: string }[];
  return new Map(rows.map((r) => [r.instance_id, r.start_event]));
}
