/**
 * Operator controls of a running rollout: pause (hosts already running finish, no new one
 * starts), resume, approve (opens the gate after the first batch), and the end of a bake.
 * The deployment stays InProgress throughout; its `rollout` view says what it waits for.
 */
import { DeckhandError, type RolloutActionResponse } from '../../../protocol/src/index.ts';
import type { RolloutRecord } from '../store/deployments/deployments.ts';
import { iso, type Engine } from './engine.ts';
import { advance } from './rollout.ts';
import { rolloutState } from './views.ts';

async function running(e: Engine, deploymentId: string, verb: string): Promise<RolloutRecord & { creator: string }> {
  const d = await e.tx.deployments.get(deploymentId);
  if (!d) throw new DeckhandError('NOT_FOUND', `deployment ${deploymentId} not found`);
  const rollout = await e.tx.deployments.readRollout(deploymentId);
  if (d.status !== 'InProgress' || !rollout) {
    throw new DeckhandError('CONFLICT', `deployment ${deploymentId} is ${d.status}: only an InProgress deployment can be ${verb}`);
  }
  return { ...rollout, creator: d.creator };
}

async function answer(e: Engine, deploymentId: string): Promise<RolloutActionResponse> {
  const rollout = await e.tx.deployments.readRollout(deploymentId);
  if (!rollout) throw new DeckhandError('NOT_FOUND', `deployment ${deploymentId} not found`);
  return { deploymentId, rollout: rolloutState(rollout, e.now, await e.tx.health.getDeploymentHealth(deploymentId)) };
}

/** Pauses a running deployment (a paused one stays paused). */
export async function pauseDeployment(e: Engine, deploymentId: string, who: string): Promise<RolloutActionResponse> {
  await running(e, deploymentId, 'paused');
  await e.tx.deployments.setPaused(deploymentId, true);
  e.log.info('deployment paused', { deploymentId, by: who });
  return answer(e, deploymentId);
}

/**
 * Resumes a paused deployment and starts the hosts the rules now allow. A deployment its
 * analysis paused (Inconclusive) goes on: the person resuming judged the step good.
 */
export async function resumeDeployment(e: Engine, deploymentId: string, who: string): Promise<RolloutActionResponse> {
  await running(e, deploymentId, 'resumed');
  await e.tx.deployments.setPaused(deploymentId, false);
  const health = await e.tx.health.getDeploymentHealth(deploymentId);
  if (health.pauseReason !== undefined) await e.tx.health.setPauseReason(deploymentId, undefined);
  if (health.analysis?.status === 'Inconclusive') {
    await e.tx.health.setAnalysis(deploymentId, { ...health.analysis, status: 'Resumed', message: `resumed by ${who} after: ${health.analysis.message ?? 'an inconclusive analysis'}` });
  }
  e.log.info('deployment resumed', { deploymentId, by: who });
  await advance(e, deploymentId);
  return answer(e, deploymentId);
}

const NOT_WAITING: Readonly<Record<string, string>> = {
  NotRequired: 'does not require approval',
  Pending: 'has not finished its first batch yet (approval is asked for after it)',
  Approved: 'is already approved',
};

/** Approves a deployment waiting at its gate after the first batch, and carries on. */
export async function approveDeployment(e: Engine, deploymentId: string, who: string): Promise<RolloutActionResponse> {
  const { approval, creator } = await running(e, deploymentId, 'approved');
  if (approval !== 'Waiting') throw new DeckhandError('CONFLICT', `deployment ${deploymentId} ${NOT_WAITING[approval] ?? approval}`);
  // Four-eyes: the deployment asked for approval, so whoever created it cannot give it.
  if (who === creator) {
    throw new DeckhandError('FORBIDDEN', `deployment ${deploymentId} was created by ${creator} and requires approval by another token (four-eyes)`);
  }
  await e.tx.deployments.approve(deploymentId, who, iso(e));
  e.log.info('deployment approved', { deploymentId, by: who });
  await advance(e, deploymentId);
  return answer(e, deploymentId);
}

/** Ends every bake whose deadline has passed and advances those deployments. Returns how many. */
export async function endBakes(e: Engine): Promise<number> {
  const over = await e.tx.deployments.bakesOverAt(iso(e), e.among);
  for (const deploymentId of over) {
    await e.tx.deployments.endBake(deploymentId);
    e.log.info('bake ended', { deploymentId });
    await advance(e, deploymentId);
  }
  return over.length;
}
