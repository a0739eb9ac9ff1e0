/**
 * Which hosts a deployment takes, in which order. CodeDeploy works on hosts whose last attempt
 * failed first, then hosts that never had a revision (Unknown), then those on an older revision
 * (Old), then those already on this one (Current) (reference §1.3 rule 2). Within a class,
 * connected hosts go before offline ones, so an offline host has the longest time to come back
 * before its turn; then registration order.
 */
import type { RevisionHealth } from '../../../protocol/src/index.ts';
import type { Repositories } from '../store/store.ts';
import { selectForGroup } from './tag-filters.ts';

/** A host chosen for a deployment. */
export interface PlannedHost {
  instanceId: string;
  hostname: string;
  connected: boolean;
  revisionHealth: RevisionHealth;
}

/** What a host's history in a group says. */
export interface HostHistory {
  /** Outcome of the last deployment that reached the host in this group. */
  lastAttempt?: 'Succeeded' | 'Failed';
  /** Revision of the last deployment that succeeded on the host in this group. */
  lastSuccessfulRevision?: string;
}

const RANK: Readonly<Record<RevisionHealth, number>> = { Unhealthy: 0, Unknown: 1, Old: 2, Current: 3 };

/** A host's revision health for a deployment of `revisionId`. */
export function revisionHealthOf(history: HostHistory | undefined, revisionId: string): RevisionHealth {
  if (history?.lastAttempt === 'Failed') return 'Unhealthy';
  if (history?.lastSuccessfulRevision === undefined) return 'Unknown';
  return history.lastSuccessfulRevision === revisionId ? 'Current' : 'Old';
}

/** Sorts hosts into CodeDeploy's order (stable: ties keep their input order). */
export function orderHosts<T extends { revisionHealth: RevisionHealth; connected: boolean }>(hosts: readonly T[]): T[] {
  return hosts
    .map((host, index) => ({ host, index }))
    .sort((a, b) => RANK[a.host.revisionHealth] - RANK[b.host.revisionHealth] || Number(b.host.connected) - Number(a.host.connected) || a.index - b.index)
    .map((x) => x.host);
}

/** Every host's history in the group, from the targets of its deployments. */
export async function groupHistory(store: Repositories, deploymentGroupId: string): Promise<Map<string, HostHistory>> {
  const out = new Map<string, HostHistory>();
  for (const r of await store.targets.outcomesInGroup(deploymentGroupId)) {
    const h = out.get(r.instanceId) ?? {};
    h.lastAttempt = r.status;
    if (r.status === 'Succeeded') h.lastSuccessfulRevision = r.revisionId;
    out.set(r.instanceId, h);
  }
  return out;
}

/** How to pick the hosts of one deployment. */
export interface TargetQuery {
  deploymentGroupId: string;
  revisionId: string;
  updateOutdatedOnly: boolean;
  /** Explicit hosts (auto-update of a new host); otherwise the group's current members. */
  instanceIds?: readonly string[];
}

/** The deployment's hosts in the order they are taken, and each host's value of a tag key. */
export interface SelectedTargets {
  hosts: PlannedHost[];
  tagOf(host: PlannedHost, key: string): string | undefined;
}

/** The deployment's hosts in the order they are taken. */
export async function resolveTargets(store: Repositories, query: TargetQuery, isConnected: (instanceId: string) => boolean): Promise<PlannedHost[]> {
  return (await selectTargets(store, query, isConnected)).hosts;
}

/** The deployment's hosts in the order they are taken, with their tags (segment plans group by one). */
export async function selectTargets(store: Repositories, query: TargetQuery, isConnected: (instanceId: string) => boolean): Promise<SelectedTargets> {
  const group = await store.groups.get(query.deploymentGroupId);
  if (!group) return { hosts: [], tagOf: () => undefined };
  const all = await store.instances.list();
  const explicit = query.instanceIds;
  const members = explicit === undefined ? selectForGroup(all, group) : all.filter((i) => explicit.includes(i.instanceId));
  const history = await groupHistory(store, group.deploymentGroupId);
  const hosts = members.map((i) => ({
    instanceId: i.instanceId,
    hostname: i.hostname,
    connected: isConnected(i.instanceId),
    revisionHealth: revisionHealthOf(history.get(i.instanceId), query.revisionId),
  }));
  const wanted = query.updateOutdatedOnly ? hosts.filter((h) => h.revisionHealth !== 'Current') : hosts;
  const tags = new Map(members.map((i) => [i.instanceId, i.tags]));
  return { hosts: orderHosts(wanted), tagOf: (host, key) => tags.get(host.instanceId)?.[key] };
}
