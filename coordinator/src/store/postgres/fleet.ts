/**
 * Changing and removing fleet objects in PostgreSQL: group updates, and the removal of groups
 * (with their finished deployments' history), applications, revisions and custom configurations,
 * with the usage checks the API refuses removals on (as sqlite/fleet.ts; the contracts are on
 * the repositories: groups.ts, applications.ts, revisions.ts, configs.ts). Callers own the
 * transactions and the checks.
 */
import { DeckhandError } from '../../../../protocol/src/index.ts';
import type { ConfigUsage } from '../configs.ts';
import type { DeploymentGroupRow, GroupChanges } from '../groups.ts';
import type { RevisionUsage } from '../revisions.ts';
import { FINISHED_SQL } from './deployments/deployments.ts';
import { getDeploymentGroup } from './groups.ts';
import type { Param, Sql } from './sql.ts';

const GROUP_COLUMNS: Record<keyof GroupChanges, [string, (v: never) => Param]> = {
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
export async function updateDeploymentGroup(q: Sql, deploymentGroupId: string, changes: GroupChanges): Promise<DeploymentGroupRow> {
  const sets: string[] = [];
  const args: Param[] = [];
  for (const [key, value] of Object.entries(changes)) {
    const column = GROUP_COLUMNS[key as keyof GroupChanges];
    if (value === undefined || column === undefined) continue;
    args.push(column[1](value as never));
    sets.push(`${column[0]} = $${args.length}`);
  }
  if (sets.length > 0) await q.run(`UPDATE deployment_groups SET ${sets.join(', ')} WHERE deployment_group_id = $${args.length + 1}`, [...args, deploymentGroupId]);
  const row = await getDeploymentGroup(q, deploymentGroupId);
  if (!row) throw new DeckhandError('NOT_FOUND', `deployment group ${deploymentGroupId} not found`);
  return row;
}

/** Deployment history, children first; the leases of the cluster track go with their deployments. */
const HISTORY_TABLES = ['log_lines', 'log_streams', 'deployment_logs', 'target_events', 'deployment_targets', 'deployment_progress', 'deployment_leases'];

/** {@inheritDoc DeploymentGroupRepository.remove} */
export async function removeDeploymentGroup(q: Sql, deploymentGroupId: string): Promise<number> {
  const ofGroup = 'deployment_id IN (SELECT deployment_id FROM deployments WHERE deployment_group_id = $1)';
  for (const table of HISTORY_TABLES) await q.run(`DELETE FROM ${table} WHERE ${ofGroup}`, [deploymentGroupId]);
  const removed = await q.run('DELETE FROM deployments WHERE deployment_group_id = $1', [deploymentGroupId]);
  const ofHooks = 'webhook_id IN (SELECT webhook_id FROM webhooks WHERE deployment_group_id = $1)';
  await q.run(`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE ${ofHooks})`, [deploymentGroupId]);
  await q.run(`DELETE FROM webhook_deliveries WHERE ${ofHooks}`, [deploymentGroupId]);
  await q.run('DELETE FROM webhooks WHERE deployment_group_id = $1', [deploymentGroupId]);
  await q.run('DELETE FROM deployment_groups WHERE deployment_group_id = $1', [deploymentGroupId]);
  return removed;
}

/** {@inheritDoc ApplicationRepository.remove} */
export async function removeApplication(q: Sql, applicationId: string): Promise<string[]> {
  // Only bundles in the artifact store (external revisions keep theirs elsewhere).
  const shas = await q.rows<{ sha256: string }>('SELECT DISTINCT sha256 FROM revisions WHERE application_id = $1 AND location IS NULL ORDER BY sha256', [applicationId]);
  await q.run('DELETE FROM revisions WHERE application_id = $1', [applicationId]);
  await q.run('DELETE FROM applications WHERE application_id = $1', [applicationId]);
  const still = await q.rows<{ sha256: string }>('SELECT DISTINCT sha256 FROM revisions WHERE sha256 = ANY($1::text[]) AND location IS NULL', [shas.map((r) => r.sha256)]);
  const used = new Set(still.map((r) => r.sha256));
  return shas.map((r) => r.sha256).filter((sha) => !used.has(sha));
}

/** {@inheritDoc RevisionRepository.usage} */
export async function revisionUsage(q: Sql, revisionId: string): Promise<RevisionUsage> {
  const active = await q.rows<{ deployment_id: string }>(
    `SELECT deployment_id FROM deployments WHERE revision_id = $1 AND status NOT IN (${FINISHED_SQL}) ORDER BY created_at, rowid`,
    [revisionId],
  );
  const lastGood = await q.rows<{ name: string }>(
    `SELECT g.name FROM deployment_groups g JOIN deployments d ON d.deployment_id = g.last_successful_deployment_id
     WHERE d.revision_id = $1 ORDER BY g.name`,
    [revisionId],
  );
  const any = await q.one<{ n: number }>('SELECT COUNT(*) AS n FROM deployments WHERE revision_id = $1', [revisionId]);
  return { activeDeployments: active.map((r) => r.deployment_id), lastGoodOfGroups: lastGood.map((r) => r.name), deployments: any?.n ?? 0 };
}

/** {@inheritDoc RevisionRepository.remove} */
export async function removeRevision(q: Sql, revisionId: string, at: string): Promise<{ sha256: string; unreferenced: boolean } | undefined> {
  const row = await q.one<{ sha256: string; location: string | null }>('SELECT sha256, location FROM revisions WHERE revision_id = $1 FOR UPDATE', [revisionId]);
  if (!row) return undefined;
  const used = ((await q.one<{ n: number }>('SELECT COUNT(*) AS n FROM deployments WHERE revision_id = $1', [revisionId]))?.n ?? 0) > 0;
  // Deployments keep naming it: the row stays, marked deleted, and its bundle goes.
  if (used) await q.run('UPDATE revisions SET deleted_at = $1 WHERE revision_id = $2', [at, revisionId]);
  else await q.run('DELETE FROM revisions WHERE revision_id = $1', [revisionId]);
  // An external revision has no bundle in the artifact store to give back.
  if (row.location !== null) return { sha256: row.sha256, unreferenced: false };
  const others = await q.one('SELECT 1 AS x FROM revisions WHERE sha256 = $1 AND deleted_at IS NULL AND location IS NULL LIMIT 1', [row.sha256]);
  return { sha256: row.sha256, unreferenced: others === undefined };
}

/** {@inheritDoc DeploymentConfigRepository.usage} */
export async function deploymentConfigUsage(q: Sql, name: string): Promise<ConfigUsage> {
  const groups = await q.rows<{ app: string; name: string }>(
    `SELECT a.name AS app, g.name FROM deployment_groups g JOIN applications a ON a.application_id = g.application_id
     WHERE g.deployment_config_name = $1 ORDER BY a.name, g.name`,
    [name],
  );
  const active = await q.rows<{ deployment_id: string }>(
    `SELECT deployment_id FROM deployments WHERE deployment_config_name = $1 AND status NOT IN (${FINISHED_SQL}) ORDER BY created_at, rowid`,
    [name],
  );
  return { groups: groups.map((g) => `${g.app}/${g.name}`), activeDeployments: active.map((r) => r.deployment_id) };
}

/** {@inheritDoc DeploymentConfigRepository.remove} */
export async function removeDeploymentConfig(q: Sql, name: string): Promise<boolean> {
  return (await q.run('DELETE FROM deployment_configs WHERE name = $1', [name])) > 0;
}
