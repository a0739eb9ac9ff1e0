/**
 * Changing a running rollout's batch size in PostgreSQL (as sqlite/deployments/resize.ts): the
 * hosts not taken yet are split again into consecutive steps of the new size, in one statement
 * (the per-step counters follow through their trigger).
 */
import type { Sql } from '../sql.ts';

/** {@inheritDoc DeploymentRepository.resizeRemaining} */
export async function resizeRemaining(q: Sql, deploymentId: string, currentStep: number, batchSize: number): Promise<number> {
  const started = await q.one<{ n: number }>(`SELECT COUNT(*)::int AS n FROM deployment_targets WHERE deployment_id = $1 AND step = $2 AND status <> 'Pending'`, [deploymentId, currentStep]);
  const first = (started?.n ?? 0) > 0 ? currentStep + 1 : currentStep;
  const moved = await q.one<{ n: number }>(
    `WITH pending AS (
       SELECT instance_id, (ROW_NUMBER() OVER (ORDER BY position) - 1) AS i FROM deployment_targets
       WHERE deployment_id = $1 AND step >= $2 AND status = 'Pending'
     ), moved AS (
       UPDATE deployment_targets t SET step = $3 + (p.i / $4)::int FROM pending p
       WHERE t.deployment_id = $1 AND t.instance_id = p.instance_id RETURNING 1
     )
     SELECT COUNT(*)::int AS n FROM moved`,
    [deploymentId, currentStep, first, batchSize],
  );
  const pending = moved?.n ?? 0;
  const steps = Math.max(pending === 0 ? currentStep : first + Math.ceil(pending / batchSize) - 1, currentStep);
  await q.run(`UPDATE deployments SET step_count = $1, step_kind = 'list' WHERE deployment_id = $2`, [steps, deploymentId]);
  return steps;
}
