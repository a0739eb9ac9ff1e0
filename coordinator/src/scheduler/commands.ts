/**
 * The coord.command bodies the scheduler sends: built from the stored deployment, so a re-send
 * after a reconnect or a coordinator restart carries exactly what the first send did.
 */
import { prepared } from '../store/statements.ts';
import type { Db } from '../store/db.ts';
import type { BundleType, CommandBody, FileExistsBehavior } from '../../../protocol/src/index.ts';

/**
 * Fencing epoch of every command. Re-sends keep the same commandId and epoch, so the agent
 * treats them as duplicates and only re-acks; a rising epoch is for reassignment, not done yet.
 */
export const COMMAND_EPOCH = 0;

interface SpecRow {
  deployment_id: string;
  deployment_group_id: string;
  file_exists_behavior: FileExistsBehavior;
  ignore_application_stop_failures: number;
  parameters: string;
  application_name: string;
  group_name: string;
  revision_id: string;
  sha256: string;
  size: number;
  bundle_type: BundleType;
}

const SPEC_SQL = `
  SELECT d.deployment_id, d.deployment_group_id, d.file_exists_behavior, d.ignore_application_stop_failures,
         d.parameters, a.name AS application_name, g.name AS group_name,
         r.revision_id, r.sha256, r.size, r.bundle_type
  FROM deployments d
  JOIN applications a ON a.application_id = d.application_id
  JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id
  JOIN revisions r ON r.revision_id = d.revision_id
  WHERE d.deployment_id = ?`;

function toCommand(row: SpecRow, commandId: string): CommandBody {
  return {
    commandId,
    deploymentId: row.deployment_id,
    epoch: COMMAND_EPOCH,
    kind: 'deploy',
    deploy: {
      deploymentId: row.deployment_id,
      applicationName: row.application_name,
      deploymentGroupName: row.group_name,
      deploymentGroupId: row.deployment_group_id,
      revision: {
        revisionId: row.revision_id,
        sha256: row.sha256,
        bundleType: row.bundle_type,
        size: row.size,
        location: coordinatorLocation(row.revision_id),
      },
      fileExistsBehavior: row.file_exists_behavior,
      ignoreApplicationStopFailures: row.ignore_application_stop_failures !== 0,
      parameters: JSON.parse(row.parameters) as Record<string, string>,
    },
  };
}

/** Where an agent downloads a revision from the coordinator's artifact store. */
export function coordinatorLocation(revisionId: string): { kind: 'coordinator'; path: string } {
  return { kind: 'coordinator', path: `/v1/revisions/${revisionId}/content` };
}

/** The command telling a host to run `deploymentId`; undefined if the deployment is gone. */
export function buildCommand(db: Db, deploymentId: string, commandId: string): CommandBody | undefined {
  return commandBuilder(db, deploymentId)?.(commandId);
}

/**
 * Builds `deploymentId`'s commands from one read of the deployment, for a step that dispatches
 * many hosts at once; undefined if the deployment is gone.
 */
export function commandBuilder(db: Db, deploymentId: string): ((commandId: string) => CommandBody) | undefined {
  const row = prepared(db, SPEC_SQL).get(deploymentId) as SpecRow | undefined;
  return row && ((commandId) => toCommand(row, commandId));
}

/** Commands sent to the host but not acknowledged, of deployments still in progress, oldest first. */
export function unackedCommands(db: Db, instanceId: string): CommandBody[] {
  const rows = prepared(db,
      `SELECT t.deployment_id, t.command_id FROM deployment_targets t
       JOIN deployments d ON d.deployment_id = t.deployment_id
       WHERE t.instance_id = ? AND t.command_id IS NOT NULL AND t.command_acked = 0
         AND t.status = 'InProgress' AND d.status = 'InProgress'
       ORDER BY t.started_at, d.created_at`,
    )
    .all(instanceId) as { deployment_id: string; command_id: string }[];
  const out: CommandBody[] = [];
  for (const r of rows) {
    const cmd = buildCommand(db, r.deployment_id, r.command_id);
    if (cmd) out.push(cmd);
  }
  return out;
}

/** Records that the host journaled the command; false when no such command was sent to it. */
export function acknowledgeCommand(db: Db, instanceId: string, commandId: string): boolean {
  const res = prepared(db, 'UPDATE deployment_targets SET command_acked = 1 WHERE instance_id = ? AND command_id = ?')
    .run(instanceId, commandId);
  return res.changes === 1;
}
