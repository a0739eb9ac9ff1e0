/**
 * An operator changing a running rollout: promote it to its next step now (ending the bake and
 * the analysis), take the hosts left in batches of another size, or bake longer or shorter
 * between the remaining steps. Each is an API call, so the audit log records who did it.
 */
import { DeckhandError, type ChangeRolloutRequest, type RolloutActionResponse } from '../../../protocol/src/index.ts';
import { configFor } from './configs.ts';
import { iso, type Engine } from './engine.ts';
import { effectiveConfig } from './health-gates.ts';
import { bakeSecondsAfterStep } from './policy/rollout-steps.ts';
import { advance } from './rollout.ts';
import { rolloutState } from './views.ts';

async function runningRollout(e: Engine, deploymentId: string, verb: string) {
  const d = await e.tx.deployments.get(deploymentId);
  if (!d) throw new DeckhandError('NOT_FOUND', `deployment ${deploymentId} not found`);
  const rollout = await e.tx.deployments.readRollout(deploymentId);
  if (d.status !== 'InProgress' || !rollout) {
    throw new DeckhandError('CONFLICT', `deployment ${deploymentId} is ${d.status}: only an InProgress deployment can be ${verb}`);
  }
  return { d, rollout, health: await e.tx.health.getDeploymentHealth(deploymentId) };
}

async function answer(e: Engine, deploymentId: string): Promise<RolloutActionResponse> {
  const rollout = await e.tx.deployments.readRollout(deploymentId);
  if (!rollout) throw new DeckhandError('NOT_FOUND', `deployment ${deploymentId} not found`);
  return { deploymentId, rollout: rolloutState(rollout, e.now, await e.tx.health.getDeploymentHealth(deploymentId)) };
}

/**
 * Starts the next step now: ends the bake and the analysis between two steps (the analysis is
 * Promoted). An analysis that paused the deployment is resumed with it; a pause a person asked
 * for stays. The approval gate is not a bake: it is opened only by `approve`.
 */
export async function promoteDeployment(e: Engine, deploymentId: string, who: string): Promise<RolloutActionResponse> {
  const { rollout, health } = await runningRollout(e, deploymentId, 'promoted');
  const baking = rollout.bakeUntil !== undefined && rollout.bakeUntil > iso(e);
  const analysis = health.analysis;
  const analysing = analysis !== undefined && (analysis.status === 'Running' || analysis.status === 'Inconclusive');
  if (!baking && !analysing) {
    if (rollout.approval === 'Waiting') throw new DeckhandError('CONFLICT', `deployment ${deploymentId} waits for approval, not for a bake or an analysis: approve it (deckhand approve)`);
    throw new DeckhandError('CONFLICT', `deployment ${deploymentId} is not between two steps (no bake or analysis runs): there is nothing to promote`);
  }
  if (baking) await e.tx.deployments.endBake(deploymentId);
  if (analysing) await e.tx.health.setAnalysis(deploymentId, { ...analysis, status: 'Promoted', message: `promoted by ${who}` });
  if (health.pauseReason !== undefined) {
    await e.tx.deployments.setPaused(deploymentId, false);
    await e.tx.health.setPauseReason(deploymentId, undefined);
  }
  e.log.info('deployment promoted', { deploymentId, by: who, baking, analysing });
  await advance(e, deploymentId);
  return answer(e, deploymentId);
}

/** Changes the batch size or the bake of a running deployment. */
export async function changeRollout(e: Engine, deploymentId: string, change: ChangeRolloutRequest, who: string): Promise<RolloutActionResponse> {
  const { d, rollout, health } = await runningRollout(e, deploymentId, 'changed');
  if (change.batchSize !== undefined) {
    if (rollout.kind === 'segment') throw new DeckhandError('CONFLICT', `deployment ${deploymentId} goes one segment at a time: a segment's size is the number of its hosts`);
    const steps = await e.tx.deployments.resizeRemaining(deploymentId, rollout.step, change.batchSize);
    e.log.info('deployment batch size changed', { deploymentId, by: who, batchSize: change.batchSize, steps });
  }
  if (change.bakeSeconds !== undefined) {
    const config = effectiveConfig(d, await configFor(e.tx, d.deploymentConfigName), health);
    const before = config ? bakeSecondsAfterStep(rollout.kind, config) : 0;
    await e.tx.health.setBakeSeconds(deploymentId, change.bakeSeconds);
    // A bake running now keeps its start and takes the new length.
    if (rollout.bakeUntil !== undefined && rollout.bakeUntil > iso(e)) {
      const until = new Date(Date.parse(rollout.bakeUntil) - before * 1000 + change.bakeSeconds * 1000);
      if (until <= e.now) await e.tx.deployments.endBake(deploymentId);
      else await e.tx.deployments.enterStep(deploymentId, { step: rollout.step, approval: rollout.approval, bakeUntil: until.toISOString() });
    }
    e.log.info('deployment bake changed', { deploymentId, by: who, bakeSeconds: change.bakeSeconds });
  }
  await advance(e, deploymentId);
  return answer(e, deploymentId);
}
