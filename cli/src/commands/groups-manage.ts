/**
 * `deckhand groups list|show|update|delete`: reading, changing and removing deployment groups
 * (groups.ts creates them and parses the shared flags).
 */
import type { UpdateDeploymentGroupRequest } from '../../../protocol/src/fleet.ts';
import type { CreateDeploymentGroupRequest } from '../../../protocol/src/api.ts';
import { canonicalConfigName } from '../../../protocol/src/api.ts';
import { parseKeyValues, required } from '../args.ts';
import { connect, emit } from '../command.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { formatGroup, formatGroupList } from '../format/fleet.ts';
import { safe } from '../format/sanitize.ts';
import type { GroupFlagValues } from './group-flags.ts';

/** The update request from the same flags `create` takes; nothing given is a usage error. */
function updateRequest(values: GroupFlagValues, usage: string, apply: (req: CreateDeploymentGroupRequest, values: GroupFlagValues) => void, tagFilters: (tags: Record<string, string>) => CreateDeploymentGroupRequest['tagFilters']): UpdateDeploymentGroupRequest {
  const base: CreateDeploymentGroupRequest = { name: 'unused' };
  if (values.tag !== undefined) base.tagFilters = tagFilters(parseKeyValues(values.tag, '--tag', usage));
  if (values.config !== undefined) base.deploymentConfigName = canonicalConfigName(values.config);
  apply(base, values);
  const { name: _name, autoRollbackConfiguration, ...rest } = base;
  const req: UpdateDeploymentGroupRequest = { ...rest };
  if (autoRollbackConfiguration !== undefined) req.autoRollbackConfiguration = autoRollbackConfiguration;
  if (values['no-auto-rollback']) req.autoRollbackConfiguration = null;
  if (values['auto-deploy']) req.autoDeployNewInstances = true;
  if (Object.keys(req).length === 0) throw new UsageError('update needs at least one setting to change (--tag, --tag-set, --config, ...)', usage);
  return req;
}

/** Runs list, show, update or delete; resolves to the exit code. */
export async function manageGroups(
  sub: 'list' | 'show' | 'update' | 'delete',
  values: GroupFlagValues,
  ctx: CliContext,
  usage: string,
  helpers: { apply: (req: CreateDeploymentGroupRequest, values: GroupFlagValues) => void; tagFilters: (tags: Record<string, string>) => CreateDeploymentGroupRequest['tagFilters'] },
): Promise<number> {
  const application = required(values.application, '--application', usage);
  const client = connect(values, ctx);
  if (sub === 'list') {
    const groups = await client.listDeploymentGroups(application);
    emit(ctx, values.json, { deploymentGroups: groups }, formatGroupList(groups));
    return 0;
  }
  const name = required(values.name, '--name', usage);
  if (sub === 'show') {
    const group = await client.getDeploymentGroup(application, name);
    emit(ctx, values.json, group, formatGroup(group));
    return 0;
  }
  if (sub === 'update') {
    const group = await client.updateDeploymentGroup(application, name, updateRequest(values, usage, helpers.apply, helpers.tagFilters));
    emit(ctx, values.json, group, formatGroup(group));
    return 0;
  }
  const removed = await client.deleteDeploymentGroup(application, name);
  emit(ctx, values.json, removed, safe`deleted deployment group ${name} (${removed.removed}) and the history of ${String(removed.deployments ?? 0)} deployment(s)`);
  return 0;
}
