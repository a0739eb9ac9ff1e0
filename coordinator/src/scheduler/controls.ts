/**
 * Operator controls of a running deployment: pause (hosts already running finish, no new one
 * starts), resume, approve (opens the gate after the first batch), and the end of a bake.
 * The deployment stays InProgress throughout; its `rollout` view says what it waits for.
 */
import { prepared } from '../store/statements.ts';
import { DeckhandError, type RolloutActionResponse } from '../../../protocol/src/index.ts';
import { advance, iso, type Engine } from './engine.ts';
import * as repo from './repo.ts';
import { readRollout, type RolloutRow } from './rollout.ts';

function running(e: Engine, deploymentId: string, verb: string): RolloutRow {
  const d = repo.getDeployment(e.db, deploymentId);
  if (!d) throw new DeckhandError('NOT_FOUND', `deployment ${deploymentId} not found`);
  const rollout = readRollout(e.db, deploymentId, iso(e));
  if (d.status !== 'InProgress' || !rollout) {
    throw new DeckhandError('CONFLICT', `deployment ${deploymentId} is ${d.status}: only an InProgress deployment can be ${verb}`);
  }
  return rollout;
}

function answer(e: Engine, deploymentId: string): RolloutActionResponse {
  const rollout = readRollout(e.db, deploymentId, iso(e));
  if (!rollout) throw new DeckhandError('NOT_FOUND', `deployment ${deploymentId} not found`);
  return { deploymentId, rollout: rollout.state };
}

/** Pauses a running deployment (a paused one stays paused). */
export function pauseDeployment(e: Engine, deploymentId: string, who: string): RolloutActionResponse {
  running(e, deploymentId, 'paused');
  prepared(e.db, 'UPDATE deployments SET paused = 1 WHERE deployment_id = ?').run(deploymentId);
  e.log.info('deployment paused', { deploymentId, by: who });
  return answer(e, deploymentId);
}

/** Resumes a paused deployment and starts the hosts the rules now allow. */
export function resumeDeployment(e: Engine, deploymentId: string, who: string): RolloutActionResponse {
  running(e, deploymentId, 'resumed');
  prepared(e.db, 'UPDATE deployments SET paused = 0 WHERE deployment_id = ?').run(deploymentId);
  e.log.info('deployment resumed', { deploymentId, by: who });
  advance(e, deploymentId);
  return answer(e, deploymentId);
}

const NOT_WAITING: Readonly<Record<string, string>> = {
  NotRequired: 'does not require approval',
  Pending: 'has not finished its first batch yet (approval is asked for after it)',
  Approved: 'is already approved',
};

/** Approves a deployment waiting at its gate after the first batch, and carries on. */
export function approveDeployment(e: Engine, deploymentId: string, who: string): RolloutActionResponse {
  const { state } = running(e, deploymentId, 'approved');
  if (state.approval !== 'Waiting') throw new DeckhandError('CONFLICT', `deployment ${deploymentId} ${NOT_WAITING[state.approval] ?? state.approval}`);
  prepared(e.db, `UPDATE deployments SET approval = 'Approved', approved_by = ?, approved_at = ? WHERE deployment_id = ?`).run(who, iso(e), deploymentId);
  e.log.info('deployment approved', { deploymentId, by: who });
  advance(e, deploymentId);
  return answer(e, deploymentId);
}

/** Ends every bake whose deadline has passed and advances those deployments. Returns how many. */
export function endBakes(e: Engine): number {
  const rows = prepared(e.db, `SELECT deployment_id FROM deployments WHERE status = 'InProgress' AND bake_until IS NOT NULL AND bake_until <= ?`)
    .all(iso(e)) as { deployment_id: string }[];
  for (const { deployment_id: deploymentId } of rows) {
    prepared(e.db, 'UPDATE deployments SET bake_until = NULL WHERE deployment_id = ?').run(deploymentId);
    e.log.info('bake ended', { deploymentId });
    advance(e, deploymentId);
  }
  return rows.length;
}
