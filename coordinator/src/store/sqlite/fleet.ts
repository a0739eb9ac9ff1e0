/**
 * Changing and removing fleet objects in SQLite: group updates, and the removal of groups (with
 * their finished deployments' history), applications, revisions and custom configurations, with
 * the usage checks the API refuses removals on. The contracts are on the repositories (groups.ts,
 * applications.ts, revisions.ts, configs.ts); callers own the transactions and the checks.
 */
import { DeckhandError } from '../../../../protocol/src/index.ts';
import type { ConfigUsage } from '../configs.ts';
import type { DeploymentGroupRow, GroupChanges } from '../groups.ts';
import type { RevisionUsage } from '../revisions.ts';
import type { Db } from './db.ts';
import { FINISHED_SQL } from './deployments/deployments.ts';
import { getDeploymentGroup } from './groups.ts';
import { prepared } from './statements.ts';

const GROUP_COLUMNS: Record<keyof GroupChanges, [string, (v: never) => unknown]> = {
  tagFilters: ['tag_filters', (v) => JSON.stringify(v)],
  tagSet: ['tag_set', (v) => (v === null ? null : JSON.stringify(v))],
  instanceNames: ['instance_names', (v) => JSON.stringify(v)],
  deploymentConfigName: ['deployment_config_name', (v) => v],
  autoRollback: ['auto_rollback', (v) => (v === null ? null : JSON.stringify(v))],
  agentWaitSeconds: ['agent_wait_seconds', (v) => v],
  eventTimeoutSeconds: ['event_timeout_seconds', (v) => v],
  autoDeployNewInstances: ['auto_deploy_new_instances', (v) => ((v as boolean) ? 1 : 0)],
};

/** {@inheritDoc DeploymentGroupRepository.update} */
export function updateDeploymentGroup(db: Db, deploymentGroupId: string, changes: GroupChanges): DeploymentGroupRow {
  const sets: string[] = [];
  const args: unknown[] = [];
  for (const [key, value] of Object.entries(changes)) {
    const column = GROUP_COLUMNS[key as keyof GroupChanges];
    if (value === undefined || column === undefined) continue;
    sets.push(`${column[0]} = ?`);
    args.push(column[1](value as never));
  }
  if (sets.length > 0) prepared(db, `UPDATE deployment_groups SET ${sets.join(', ')} WHERE deployment_group_id = ?`).run(...args, deploymentGroupId);
  const row = getDeploymentGroup(db, deploymentGroupId);
  if (!row) throw new DeckhandError('NOT_FOUND', `deployment group ${deploymentGroupId} not found`);
  return row;
}

const HISTORY_TABLES = ['log_lines', 'log_streams', 'deployment_logs', 'target_events', 'deployment_targets', 'deployment_progress'];

/** {@inheritDoc DeploymentGroupRepository.remove} */
export function removeDeploymentGroup(db: Db, deploymentGroupId: string): number {
  const ids = (prepared(db, 'SELECT deployment_id FROM deployments WHERE deployment_group_id = ?').all(deploymentGroupId) as { deployment_id: string }[]).map(
    (r) => r.deployment_id,
  );
  for (const table of HISTORY_TABLES) {
    prepared(db, `DELETE FROM ${table} WHERE deployment_id IN (SELECT deployment_id FROM deployments WHERE deployment_group_id = ?)`).run(deploymentGroupId);
  }
  prepared(db, 'DELETE FROM deployments WHERE deployment_group_id = ?').run(deploymentGroupId);
  prepared(db,
    `DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE webhook_id IN
       (SELECT webhook_id FROM webhooks WHERE deployment_group_id = ?))`,
  ).run(deploymentGroupId);
  prepared(db, 'DELETE FROM webhook_deliveries WHERE webhook_id IN (SELECT webhook_id FROM webhooks WHERE deployment_group_id = ?)').run(deploymentGroupId);
  prepared(db, 'DELETE FROM webhooks WHERE deployment_group_id = ?').run(deploymentGroupId);
  prepared(db, 'DELETE FROM deployment_groups WHERE deployment_group_id = ?').run(deploymentGroupId);
  return ids.length;
}

/** {@inheritDoc ApplicationRepository.remove} */
export function removeApplication(db: Db, applicationId: string): string[] {
  // Only bundles in the artifact store (external revisions keep theirs elsewhere).
  const shas = (prepared(db, 'SELECT DISTINCT sha256 FROM revisions WHERE application_id = ? AND location IS NULL').all(applicationId) as { sha256: string }[]).map((r) => r.sha256);
  prepared(db, 'DELETE FROM revisions WHERE application_id = ?').run(applicationId);
  prepared(db, 'DELETE FROM applications WHERE application_id = ?').run(applicationId);
  return shas.filter((sha) => prepared(db, 'SELECT 1 AS x FROM revisions WHERE sha256 = ? AND location IS NULL LIMIT 1').get(sha) === undefined);
}

/** {@inheritDoc RevisionRepository.usage} */
export function revisionUsage(db: Db, revisionId: string): RevisionUsage {
  const active = prepared(db, `SELECT deployment_id FROM deployments WHERE revision_id = ? AND status NOT IN (${FINISHED_SQL}) ORDER BY created_at`).all(revisionId) as {
    deployment_id: string;
  }[];
  const lastGood = prepared(db,
    `SELECT g.name FROM deployment_groups g JOIN deployments d ON d.deployment_id = g.last_successful_deployment_id
     WHERE d.revision_id = ? ORDER BY g.name`,
  ).all(revisionId) as { name: string }[];
  const any = prepared(db, 'SELECT COUNT(*) AS n FROM deployments WHERE revision_id = ?').get(revisionId) as { n: number };
  return { activeDeployments: active.map((r) => r.deployment_id), lastGoodOfGroups: lastGood.map((r) => r.name), deployments: any.n };
}

/** {@inheritDoc RevisionRepository.remove} */
export function removeRevision(db: Db, revisionId: string, at: string): { sha256: string; unreferenced: boolean } | undefined {
  const row = prepared(db, 'SELECT sha256, location FROM revisions WHERE revision_id = ?').get(revisionId) as { sha256: string; location: string | null } | undefined;
  if (!row) return undefined;
  const used = (prepared(db, 'SELECT COUNT(*) AS n FROM deployments WHERE revision_id = ?').get(revisionId) as { n: number }).n > 0;
  // Deployments keep naming it: the row stays, marked deleted, and its bundle goes.
  if (used) prepared(db, 'UPDATE revisions SET deleted_at = ? WHERE revision_id = ?').run(at, revisionId);
  else prepared(db, 'DELETE FROM revisions WHERE revision_id = ?').run(revisionId);
  // An external revision has no bundle in the artifact store to give back.
  if (row.location !== null) return { sha256: row.sha256, unreferenced: false };
  const others = prepared(db, 'SELECT 1 AS x FROM revisions WHERE sha256 = ? AND deleted_at IS NULL AND location IS NULL LIMIT 1').get(row.sha256);
  return { sha256: row.sha256, unreferenced: others === undefined };
}

/** {@inheritDoc DeploymentConfigRepository.usage} */
export function deploymentConfigUsage(db: Db, name: string): ConfigUsage {
  const groups = prepared(db,
    `SELECT a.name AS app, g.name FROM deployment_groups g JOIN applications a ON a.application_id = g.application_id
     WHERE g.deployment_config_name = ? ORDER BY a.name, g.name`,
  ).all(name) as { app: string; name: string }[];
  const active = prepared(db, `SELECT deployment_id FROM deployments WHERE deployment_config_name = ? AND status NOT IN (${FINISHED_SQL})`).all(name) as {
    deployment_id: string;
  }[];
  return { groups: groups.map((g) => `${g.app}/${g.name}`), activeDeployments: active.map((r) => r.deployment_id) };
}

/** {@inheritDoc DeploymentConfigRepository.remove} */
export function removeDeploymentConfig(db: Db, name: string): boolean {
  return prepared(db, 'DELETE FROM deployment_configs WHERE name = ?').run(name).changes > 0;
}
