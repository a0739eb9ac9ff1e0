/**
 * What a deployment's coord.command carries (and what dispatching its hosts needs), read in one
 * statement from the deployment, its group, application and revision
 * (store/deployments/deployments.ts has the contract).
 */
import type { CommandSpec, DispatchSpec } from '../../deployments/deployments.ts';
import { toSpec, type SpecRow } from '../../rows/deployments.ts';
import type { Db } from '../db.ts';
import { prepared } from '../statements.ts';

const SPEC_SQL = `
  SELECT d.deployment_id, d.deployment_group_id, d.file_exists_behavior, d.ignore_application_stop_failures,
         d.parameters, a.name AS application_name, g.name AS group_name,
         r.revision_id, r.sha256, r.size, r.bundle_type, r.signature, r.location, g.event_timeout_seconds, g.agent_wait_seconds
  FROM deployments d
  JOIN applications a ON a.application_id = d.application_id
  JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id
  JOIN revisions r ON r.revision_id = d.revision_id
  WHERE d.deployment_id = ?`;

/** What the deployment's commands carry; undefined if the deployment is gone. */
export function commandSpec(db: Db, deploymentId: string): CommandSpec | undefined {
  const row = prepared(db, SPEC_SQL).get(deploymentId) as SpecRow | undefined;
  return row && toSpec(row);
}

/** The command spec and the group's deadlines, in the same one statement. */
export function dispatchSpec(db: Db, deploymentId: string): DispatchSpec | undefined {
  const row = prepared(db, SPEC_SQL).get(deploymentId) as SpecRow | undefined;
  return row && { command: toSpec(row), eventTimeoutSeconds: row.event_timeout_seconds, agentWaitSeconds: row.agent_wait_seconds };
}
