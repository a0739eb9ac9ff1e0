/**
 * What a deployment's coord.command carries (and what dispatching its hosts needs), read in one
 * statement from the deployment, its group, application and revision
 * (store/deployments/deployments.ts has the contract).
 */
import type { BundleType, ExternalRevisionLocation, FileExistsBehavior, RevisionSignature } from '../../../../../protocol/src/index.ts';
import type { CommandSpec, DispatchSpec } from '../../deployments/deployments.ts';
import { parseJsonColumn } from '../columns.ts';
import type { Db } from '../db.ts';
import { prepared } from '../statements.ts';

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
  signature: string | null;
  location: string | null;
  event_timeout_seconds: number;
  agent_wait_seconds: number;
}

const SPEC_SQL = `
  SELECT d.deployment_id, d.deployment_group_id, d.file_exists_behavior, d.ignore_application_stop_failures,
         d.parameters, a.name AS application_name, g.name AS group_name,
         r.revision_id, r.sha256, r.size, r.bundle_type, r.signature, r.location, g.event_timeout_seconds, g.agent_wait_seconds
  FROM deployments d
  JOIN applications a ON a.application_id = d.application_id
  JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id
  JOIN revisions r ON r.revision_id = d.revision_id
  WHERE d.deployment_id = ?`;

function toSpec(row: SpecRow): CommandSpec {
  return {
    deploymentId: row.deployment_id,
    deploymentGroupId: row.deployment_group_id,
    deploymentGroupName: row.group_name,
    applicationName: row.application_name,
    fileExistsBehavior: row.file_exists_behavior,
    ignoreApplicationStopFailures: row.ignore_application_stop_failures !== 0,
    parameters: parseJsonColumn<Record<string, string>>(row.parameters, 'deployments.parameters'),
    revision: {
      revisionId: row.revision_id,
      // '' stands for "not known" (an S3 revision registered by its ETag alone).
      ...(row.sha256 === '' ? {} : { sha256: row.sha256 }),
      bundleType: row.bundle_type,
      size: row.size,
      ...(row.location === null ? {} : { location: parseJsonColumn<ExternalRevisionLocation>(row.location, 'revisions.location') }),
      ...(row.signature === null ? {} : { signature: parseJsonColumn<RevisionSignature>(row.signature, 'revisions.signature') }),
    },
  };
}

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
