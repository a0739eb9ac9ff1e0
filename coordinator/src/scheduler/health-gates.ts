/**
 * The rollout's health gates, applied: a step's analysis starts when the next step is entered,
 * an alarm or a failed analysis ends the deployment as a manual stop would (hosts not taken are
 * Skipped, hosts in flight are told to stop) and the rollback its configuration asks for
 * follows, an inconclusive analysis pauses it with the reason. The verdicts themselves are the
 * rollout decision's (policy/decide-rollout.ts, policy/health.ts).
 */
import type { DeploymentRow } from '../store/deployments/deployments.ts';
import type { DeploymentHealth } from '../store/health.ts';
import { iso, markFailed, markStopped, ROLLBACK_CREATOR, type Engine } from './engine.ts';
import type { AnalysisGate, RolloutAction } from './policy/decide-rollout.ts';
import type { RunConfig } from './policy/run-config.ts';

/** The analysis gate the decision reads, from the stored analysis. */
export function gateOfAnalysis(h: DeploymentHealth): AnalysisGate | undefined {
  const a = h.analysis;
  if (a === undefined) return undefined;
  return { step: a.step, status: a.status, ...(a.message === undefined ? {} : { message: a.message }) };
}

/**
 * The configuration a deployment runs with: a rollback (automatic or manual) restores service,
 * so it keeps the batches but runs no analysis and does not bake between them (a canary's bake
 * of an hour would hold the other hosts' rollback that long); a bake an operator set on the
 * running rollout replaces the configuration's.
 */
export function effectiveConfig(d: DeploymentRow, config: RunConfig | undefined, h: DeploymentHealth): RunConfig | undefined {
  if (!config) return undefined;
  let rollout = config.rollout;
  if (d.creator === ROLLBACK_CREATOR && (rollout.analysis ?? rollout.bakeSeconds ?? rollout.segmentBakeSeconds) !== undefined) {
    const { analysis: _analysis, bakeSeconds: _bake, segmentBakeSeconds: _segmentBake, ...rest } = rollout;
    rollout = rest;
  }
  if (h.bakeSeconds !== undefined) rollout = { ...rollout, bakeSeconds: h.bakeSeconds, segmentBakeSeconds: h.bakeSeconds };
  return rollout === config.rollout ? config : { ...config, rollout };
}

/** Starts the analysis of `step`, which just finished: measured from now. */
export async function startAnalysis(e: Engine, d: DeploymentRow, step: number): Promise<void> {
  await e.tx.health.setAnalysis(d.deploymentId, { step, status: 'Running', startedAt: iso(e) });
  e.log.info('analysis started', { deploymentId: d.deploymentId, step });
}

/** Tells every host still running the deployment to stop (coord.cancel, after commit). */
export async function cancelRunning(e: Engine, deploymentId: string): Promise<number> {
  const running = await e.tx.targets.runningOf(deploymentId);
  for (const t of running) {
    if (t.commandId !== null) e.out.push({ instanceId: t.instanceId, cancel: { commandId: t.commandId, deploymentId } });
  }
  return running.length;
}

/** Carries out an abort or a pause the rollout decision took on a health verdict. */
export async function applyHealthAction(e: Engine, d: DeploymentRow, decision: Extract<RolloutAction, { action: 'abort' | 'pause' }>): Promise<void> {
  if (decision.action === 'pause') {
    await e.tx.deployments.setPaused(d.deploymentId, true);
    await e.tx.health.setPauseReason(d.deploymentId, decision.reason);
    e.log.warn('deployment paused by its analysis', { deploymentId: d.deploymentId, reason: decision.reason });
    return;
  }
  await e.tx.targets.skipPending(d.deploymentId, iso(e), `Not deployed: the deployment stopped with ${decision.code} before this host's turn.`);
  const running = await cancelRunning(e, d.deploymentId);
  const error = { code: decision.code, message: decision.message };
  if (decision.status === 'Stopped') await markStopped(e, d, error);
  else await markFailed(e, d, error);
  e.log.warn('deployment ended by a health verdict', { deploymentId: d.deploymentId, status: decision.status, errorCode: decision.code, running });
  await e.onEnded(e, d, decision.status, decision.rollbackEvent);
}
