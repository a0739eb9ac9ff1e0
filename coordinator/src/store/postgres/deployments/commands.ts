/**
 * What a deployment's coord.command carries (and what dispatching its hosts needs), read in one
 * statement from the deployment, its group, application and revision, in PostgreSQL.
 */
import type { CommandSpec, DispatchSpec } from '../../deployments/deployments.ts';
import { toSpec, type SpecRow } from '../../rows/deployments.ts';
import type { Sql } from '../sql.ts';

const SPEC_SQL = `
  SELECT d.deployment_id, d.deployment_group_id, d.file_exists_behavior, d.ignore_application_stop_failures,
         d.parameters, a.name AS application_name, g.name AS group_name,
         r.revision_id, r.sha256, r.size, r.bundle_type, r.signature, r.location, g.event_timeout_seconds, g.agent_wait_seconds
  FROM deployments d
  JOIN applications a ON a.application_id = d.application_id
  JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id
  JOIN revisions r ON r.revision_id = d.revision_id
  WHERE d.deployment_id = $1`;

/** What the deployment's commands carry; undefined if the deployment is gone. */
export async function commandSpec(q: Sql, deploymentId: string): Promise<CommandSpec | undefined> {
  const row = await q.one<SpecRow>(SPEC_SQL, [deploymentId]);
  return row && toSpec(row);
}

/** The command spec and the group's deadlines, in the same one statement. */
export async function dispatchSpec(q: Sql, deploymentId: string): Promise<DispatchSpec | undefined> {
  const row = await q.one<SpecRow>(SPEC_SQL, [deploymentId]);
  return row && { command: toSpec(row), eventTimeoutSeconds: row.event_timeout_seconds, agentWaitSeconds: row.agent_wait_seconds };
}
