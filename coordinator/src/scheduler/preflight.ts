/**
 * `deckhand deploy --preflight`: asks every host a deployment would take to check the revision
 * (coord.preflight) and reports per host. Hosts are chosen exactly as a deployment's
 * (targets.ts); nothing is stored, no host is taken out of service, no hook runs.
 */
import { DeckhandError, type FileExistsBehavior, type PreflightRequestBody, type PreflightResponse } from '../../../protocol/src/index.ts';
import type { PreflightAnswer } from '../hub/preflight.ts';
import type { Db } from '../store/db.ts';
import { getApplication } from '../store/applications.ts';
import { getDeploymentGroup } from '../store/groups.ts';
import { getRevision } from '../store/revisions.ts';
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
function preflightSpec(db: Db, query: PreflightQuery): PreflightRequestBody['deploy'] {
  const group = getDeploymentGroup(db, query.deploymentGroupId);
  const revision = getRevision(db, query.revisionId);
  const application = group && getApplication(db, group.applicationId);
  if (!group || !revision || !application) throw new DeckhandError('NOT_FOUND', `deployment group ${query.deploymentGroupId} or revision ${query.revisionId} not found`);
  return {
    applicationName: application.name,
    deploymentGroupName: group.name,
    deploymentGroupId: group.deploymentGroupId,
    revision: {
      revisionId: revision.revisionId,
      sha256: revision.sha256,
      bundleType: revision.bundleType,
      size: revision.size,
      location: coordinatorLocation(revision.revisionId),
    },
    fileExistsBehavior: query.fileExistsBehavior,
  };
}

/** Each target host's answer, in deployment order. */
export async function preflightDeployment(db: Db, query: PreflightQuery, asker: PreflightAsker, timeoutMs = DEFAULT_PREFLIGHT_TIMEOUT_MS): Promise<PreflightResponse> {
  const spec = preflightSpec(db, query);
  const targetQuery = { ...query, updateOutdatedOnly: query.updateOutdatedInstancesOnly };
  const hosts = resolveTargets(db, targetQuery, (id) => asker.isConnected(id));
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
