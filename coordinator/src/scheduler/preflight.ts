/**
 * `deckhand deploy --preflight`: asks every host a deployment would take to check the revision
 * (coord.preflight) and reports per host. Hosts are chosen exactly as a deployment's
 * (targets.ts); nothing is stored, no host is taken out of service, no hook runs.
 */
import { DeckhandError, type FileExistsBehavior, type PreflightRequestBody, type PreflightResponse } from '../../../protocol/src/index.ts';
import type { PreflightAnswer } from '../hub/preflight.ts';
import type { Repositories, Store } from '../store/store.ts';
import { coordinatorLocation } from './commands.ts';
import { resolveTargets } from './targets.ts';

/** How long the coordinator waits for the agents' answers by default. */
export const DEFAULT_PREFLIGHT_TIMEOUT_MS = 30_000;

/** What to check: a would-be deployment. */
export interface PreflightQuery {
  deploymentGroupId: string;
  revisionId: string;
  fileExistsBehavior: FileExistsBehavior;
  updateOutdatedInstancesOnly: boolean;
}

/** How preflight reaches agents; the hub implements it. */
export interface PreflightAsker {
  isConnected(instanceId: string): boolean;
  preflight(instanceIds: readonly string[], deploy: PreflightRequestBody['deploy'], timeoutMs: number): Promise<Map<string, PreflightAnswer>>;
}

/** What the agents are told about the revision: the same location a deployment's command gives. */
async function preflightSpec(store: Repositories, query: PreflightQuery): Promise<PreflightRequestBody['deploy']> {
  const group = await store.groups.get(query.deploymentGroupId);
  const revision = await store.revisions.get(query.revisionId);
  const application = group && (await store.applications.get(group.applicationId));
  if (!group || !revision || !application) throw new DeckhandError('NOT_FOUND', `deployment group ${query.deploymentGroupId} or revision ${query.revisionId} not found`);
  return {
    applicationName: application.name,
    deploymentGroupName: group.name,
    deploymentGroupId: group.deploymentGroupId,
    revision: {
      revisionId: revision.revisionId,
      ...(revision.sha256 === undefined ? {} : { sha256: revision.sha256 }),
      bundleType: revision.bundleType,
      size: revision.size,
      location: revision.location ?? coordinatorLocation(revision.revisionId),
      ...(revision.signature ? { signature: revision.signature } : {}),
    },
    fileExistsBehavior: query.fileExistsBehavior,
  };
}

/** Each target host's answer, in deployment order. */
export async function preflightDeployment(store: Store, query: PreflightQuery, asker: PreflightAsker, timeoutMs = DEFAULT_PREFLIGHT_TIMEOUT_MS): Promise<PreflightResponse> {
  // One consistent read of the revision and the hosts; the agents are asked outside it.
  const { spec, hosts } = await store.read(async (tx) => {
    const targetQuery = { ...query, updateOutdatedOnly: query.updateOutdatedInstancesOnly };
    return { spec: await preflightSpec(tx, query), hosts: await resolveTargets(tx, targetQuery, (id) => asker.isConnected(id)) };
  });
  const answers = await asker.preflight(hosts.map((h) => h.instanceId), spec, timeoutMs);
  return {
    hosts: hosts.map((h) => ({ instanceId: h.instanceId, hostname: h.hostname, ...outcome(answers.get(h.instanceId)) })),
  };
}

function outcome(answer: PreflightAnswer | undefined): { ok: boolean; problems: string[] } {
  if (answer === 'offline') return { ok: false, problems: ['agent offline'] };
  if (answer === 'timeout' || answer === undefined) return { ok: false, problems: ['no answer'] };
  return answer;
}
