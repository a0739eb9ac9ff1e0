/**
 * Store rows as the API shows them (protocol/src/api.ts views).
 */
import { describeSignature } from '../../../common/src/minisign.ts';
import { redactUrl } from '../../../common/src/redact-url.ts';
import type {
  ApiTokenView,
  ApplicationView,
  DeploymentGroupView,
  InstanceView,
  RegistrationTokenView,
  RevisionView,
} from '../../../protocol/src/index.ts';
import type { ApplicationRow } from '../store/applications.ts';
import type { DeploymentGroupRow } from '../store/groups.ts';
import type { InstanceRow } from '../store/instances.ts';
import type { RevisionRow } from '../store/revisions.ts';
import type { ApiTokenRow, RegistrationTokenRow } from '../store/tokens.ts';

/** An application as the API shows it. */
export function applicationView(row: ApplicationRow): ApplicationView {
  return { applicationId: row.applicationId, name: row.name, createTime: row.createdAt };
}

/** A deployment group as the API shows it. */
export function deploymentGroupView(row: DeploymentGroupRow, applicationName: string): DeploymentGroupView {
  const view: DeploymentGroupView = {
    deploymentGroupId: row.deploymentGroupId,
    applicationName,
    name: row.name,
    tagFilters: row.tagFilters,
    deploymentConfigName: row.deploymentConfigName,
    createTime: row.createdAt,
    instanceNames: row.instanceNames,
    agentWaitSeconds: row.agentWaitSeconds,
    eventTimeoutSeconds: row.eventTimeoutSeconds,
    autoDeployNewInstances: row.autoDeployNewInstances,
  };
  if (row.tagSet !== undefined) view.tagSet = row.tagSet;
  if (row.autoRollback !== undefined) view.autoRollbackConfiguration = row.autoRollback;
  if (row.lastSuccessfulDeploymentId !== undefined) view.lastSuccessfulDeploymentId = row.lastSuccessfulDeploymentId;
  return view;
}

/** A revision as the API shows it. */
export function revisionView(row: RevisionRow, applicationName: string): RevisionView {
  const view: RevisionView = {
    revisionId: row.revisionId,
    applicationName,
    sha256: row.sha256,
    size: row.size,
    bundleType: row.bundleType,
    createTime: row.createdAt,
  };
  if (row.description !== undefined) view.description = row.description;
  // A pre-signed URL's query is a credential: readers see where, not the signature.
  if (row.location !== undefined) view.location = row.location.kind === 'url' ? { ...row.location, url: redactUrl(row.location.url) } : row.location;
  if (row.deletedAt !== undefined) view.deleteTime = row.deletedAt;
  if (row.signature !== undefined) view.signature = { counter: row.signature.counter, keyId: describeSignature(row.signature.minisig).keyId };
  return view;
}

/** An instance as the API shows it, with whether its agent is connected now. */
export function instanceView(row: InstanceRow, connected: boolean): InstanceView {
  const view: InstanceView = {
    instanceId: row.instanceId,
    hostname: row.hostname,
    tags: row.tags,
    connected,
    registeredAt: row.registeredAt,
  };
  if (row.lastSeen !== undefined) view.lastSeen = row.lastSeen;
  if (row.agentVersion !== undefined) view.agentVersion = row.agentVersion;
  if (row.inventory !== undefined) view.inventory = row.inventory;
  return view;
}

/** A registration token as the API shows it; the secret only when just created. */
export function registrationTokenView(row: RegistrationTokenRow, secret?: string): RegistrationTokenView {
  const view: RegistrationTokenView = {
    tokenId: row.tokenId,
    expiresAt: row.expiresAt,
    maxUses: row.maxUses,
    uses: row.uses,
    tags: row.tags,
    allowTagKeys: row.allowTagKeys,
    createdAt: row.createdAt,
  };
  if (row.revokedAt !== undefined) view.revokedAt = row.revokedAt;
  if (secret !== undefined) view.token = secret;
  return view;
}

/** An API token as listed; `secret` only in the answer that creates it. */
export function apiTokenView(row: ApiTokenRow, secret?: string): ApiTokenView {
  const view: ApiTokenView = {
    tokenId: row.tokenId,
    name: row.name,
    role: row.role,
    applications: row.applications,
    groups: row.groups,
    createdAt: row.createdAt,
  };
  if (row.createdBy !== undefined) view.createdBy = row.createdBy;
  if (row.expiresAt !== undefined) view.expiresAt = row.expiresAt;
  if (row.revokedAt !== undefined) view.revokedAt = row.revokedAt;
  if (secret !== undefined) view.token = secret;
  return view;
}
