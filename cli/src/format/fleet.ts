/**
 * Tables of the fleet: deployments, groups, revisions. Every cell goes through the table's
 * sanitizing (table.ts): names and descriptions may come from anyone with a token.
 */
import type { DeploymentGroupView, DeploymentSummary, RevisionView } from '../../../protocol/src/api.ts';
import { formatBytes } from './logs.ts';
import { safe } from './sanitize.ts';
import { renderTable } from './table.ts';
import { durationMs, formatDuration } from './time.ts';

/** Newest first: id, application, group, status, hosts done/total (failed), revision, creator, created, took. */
export function formatDeploymentList(deployments: readonly DeploymentSummary[]): string {
  if (deployments.length === 0) return 'no deployments';
  const rows = deployments.map((d) => {
    const o = d.overview;
    const total = o.Pending + o.InProgress + o.Succeeded + o.Failed + o.Skipped + (o.WaitingForAgent ?? 0);
    const done = o.Succeeded + o.Failed + o.Skipped;
    return [
      d.deploymentId,
      d.applicationName,
      d.deploymentGroupName,
      d.status,
      `${done}/${total}${o.Failed > 0 ? ` (${o.Failed} failed)` : ''}`,
      d.revisionId,
      d.creator,
      d.createTime,
      formatDuration(durationMs(d.startTime ?? d.createTime, d.completeTime)),
    ];
  });
  return renderTable(['DEPLOYMENT', 'APPLICATION', 'GROUP', 'STATUS', 'HOSTS', 'REVISION', 'CREATOR', 'CREATED', 'TOOK'], rows);
}

function targeting(g: DeploymentGroupView): string {
  const filter = (f: DeploymentGroupView['tagFilters'][number]): string => (f.type === 'KEY_ONLY' ? `${f.key ?? ''}` : f.type === 'VALUE_ONLY' ? `*=${f.value ?? ''}` : `${f.key ?? ''}=${f.value ?? ''}`);
  const parts: string[] = [];
  if (g.tagSet) parts.push(g.tagSet.map((set) => `(${set.map(filter).join(' or ')})`).join(' and '));
  else if (g.tagFilters.length > 0) parts.push(g.tagFilters.map(filter).join(' or '));
  if (g.instanceNames && g.instanceNames.length > 0) parts.push(`+ ${g.instanceNames.join(',')}`);
  return parts.join(' ');
}

/** One row per group: name, config, targeting, last good deployment. */
export function formatGroupList(groups: readonly DeploymentGroupView[]): string {
  if (groups.length === 0) return 'no deployment groups';
  return renderTable(
    ['GROUP', 'ID', 'CONFIG', 'HOSTS', 'LAST SUCCESSFUL'],
    groups.map((g) => [g.name, g.deploymentGroupId, g.deploymentConfigName, targeting(g), g.lastSuccessfulDeploymentId ?? '']),
  );
}

/** Every setting of one group. */
export function formatGroup(g: DeploymentGroupView): string {
  const lines = [
    safe`Deployment group ${g.name} (${g.deploymentGroupId}) of ${g.applicationName}`,
    safe`  hosts: ${targeting(g) || 'none'}`,
    safe`  config: ${g.deploymentConfigName}`,
    safe`  last successful deployment: ${g.lastSuccessfulDeploymentId ?? 'none'}`,
    `  agent wait: ${g.agentWaitSeconds ?? 300}s, event timeout: ${g.eventTimeoutSeconds ?? 3600}s, auto-deploy new hosts: ${g.autoDeployNewInstances === false ? 'no' : 'yes'}`,
  ];
  const rollback = g.autoRollbackConfiguration;
  lines.push(`  auto-rollback: ${rollback?.enabled ? rollback.events.join(', ') : 'off'}`);
  lines.push(safe`  created ${g.createTime}`);
  return lines.join('\n');
}

/** One row per revision, oldest first; deleted ones say when. */
export function formatRevisionList(revisions: readonly RevisionView[]): string {
  if (revisions.length === 0) return 'no revisions';
  return renderTable(
    ['REVISION', 'TYPE', 'SIZE', 'SHA256', 'CREATED', 'DESCRIPTION'],
    revisions.map((r) => [r.revisionId, r.bundleType, formatBytes(r.size), r.sha256?.slice(0, 12) ?? (r.location ? 'external' : ''), r.createTime, r.deleteTime ? `(deleted ${r.deleteTime}) ${r.description ?? ''}` : r.description ?? '']),
  );
}

/** Every field of one revision. */
export function formatRevision(r: RevisionView): string {
  return [
    safe`Revision ${r.revisionId} of ${r.applicationName}`,
    safe`  ${r.bundleType}, ${formatBytes(r.size)}, sha256 ${r.sha256 ?? '(checked by its ETag)'}`,
    ...(r.location ? [safe`  kept at ${r.location.kind === 's3' ? `s3://${r.location.bucket}/${r.location.key}${r.location.versionId ? `?versionId=${r.location.versionId}` : ''}` : r.location.url}`] : []),
    safe`  created ${r.createTime}${r.deleteTime ? `, deleted ${r.deleteTime} (bundle gone)` : ''}`,
    ...(r.description ? [safe`  ${r.description}`] : []),
  ].join('\n');
}
