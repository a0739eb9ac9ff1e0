/**
 * Changing a running rollout's batch size in SQLite: the hosts not taken yet are split again
 * into consecutive steps of the new size (the per-step counters follow through their triggers).
 */
import type { Db } from '../db.ts';
import { prepared } from '../statements.ts';

/**
 * Puts the Pending hosts of `currentStep` and later steps into steps of `batchSize`, starting at
 * the current step when none of its hosts started, else right after it; the rollout becomes a
 * batch list. Returns the new number of steps.
 */
export function resizeRemaining(db: Db, deploymentId: string, currentStep: number, batchSize: number): number {
  const started = prepared(db, `SELECT COUNT(*) AS n FROM deployment_targets WHERE deployment_id = ? AND step = ? AND status != 'Pending'`).get(deploymentId, currentStep) as { n: number };
  const first = started.n > 0 ? currentStep + 1 : currentStep;
  const pending = prepared(db, `SELECT instance_id FROM deployment_targets WHERE deployment_id = ? AND step >= ? AND status = 'Pending' ORDER BY position`)
    .all(deploymentId, currentStep) as { instance_id: string }[];
  const move = prepared(db, 'UPDATE deployment_targets SET step = ? WHERE deployment_id = ? AND instance_id = ?');
  pending.forEach((t, i) => move.run(first + Math.floor(i / batchSize), deploymentId, t.instance_id));
  const steps = pending.length === 0 ? currentStep : first + Math.ceil(pending.length / batchSize) - 1;
  prepared(db, `UPDATE deployments SET step_count = ?, step_kind = 'list' WHERE deployment_id = ?`).run(Math.max(steps, currentStep), deploymentId);
  return Math.max(steps, currentStep);
}
