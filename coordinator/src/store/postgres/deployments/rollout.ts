/**
 * A deployment's rollout in PostgreSQL: each target's step (and segment) when it starts, where it
 * stands (current step, bake deadline, pause, approval), and the one read the rollout decision
 * takes. The bake deadline is stored, so whoever drives the deployment next resumes the bake.
 */
import type { RolloutRead, RolloutRecord, StepAssignment, StepGates } from '../../deployments/deployments.ts';
import { toRollout, toRolloutRead, type RawDecision, type RawRollout, type RawStep } from '../../rows/deployments.ts';
import { amongClause, type Sql } from '../sql.ts';

/** Writes each target's step (and segment) and the deployment's step count; call after insertTargets. */
export async function storeSteps(q: Sql, deploymentId: string, plan: StepAssignment): Promise<void> {
  const steps: number[] = [];
  const segments: (string | null)[] = [];
  plan.sizes.forEach((size, i) => {
    for (let k = 0; k < size; k++) {
      steps.push(i + 1);
      segments.push(plan.segments?.[i] ?? null);
    }
  });
  // One statement for every host: the progress trigger then moves each step's counters once.
  await q.run(
    `UPDATE deployment_targets t SET step = p.step, segment = p.segment
     FROM unnest($2::text[], $3::int[], $4::text[]) AS p(instance_id, step, segment)
     WHERE t.deployment_id = $1 AND t.instance_id = p.instance_id`,
    [deploymentId, plan.instanceIds.slice(0, steps.length), steps, segments as string[]],
  );
  if (plan.segments) {
    await q.run(
      `UPDATE deployment_progress p SET segment = s.segment FROM unnest($2::text[]) WITH ORDINALITY AS s(segment, step)
       WHERE p.deployment_id = $1 AND p.step = s.step`,
      [deploymentId, plan.segments as string[]],
    );
  }
  await q.run('UPDATE deployments SET step_kind = $1, step_count = $2, current_step = 1, approval = $3 WHERE deployment_id = $4', [
    plan.kind,
    Math.max(plan.sizes.length, 1),
    plan.requireApproval ? 'Pending' : 'NotRequired',
    deploymentId,
  ]);
}

const ROLLOUT_COLUMNS = 'step_kind, current_step, step_count, bake_until, paused, approval, approved_by, approved_at, require_approval';

/** The rollout columns of a deployment, or undefined when there is none. */
export async function readRollout(q: Sql, deploymentId: string): Promise<RolloutRecord | undefined> {
  const r = await q.one<RawRollout>(`SELECT ${ROLLOUT_COLUMNS} FROM deployments WHERE deployment_id = $1`, [deploymentId]);
  return r && toRollout(r);
}

/** The deployment's row with the custom configuration it names, if any (c_ columns). */
const DECISION_SQL = `SELECT d.*, c.name AS c_name, c.minimum_healthy_hosts AS c_minimum_healthy_hosts, c.rollout AS c_rollout, c.created_at AS c_created_at
  FROM deployments d LEFT JOIN deployment_configs c ON c.name = d.deployment_config_name WHERE d.deployment_id = $1`;

/** What the rollout decision reads, in two statements: the deployment's row and its per-step counters. */
export async function readForDecision(q: Sql, deploymentId: string): Promise<RolloutRead | undefined> {
  const r = await q.one<RawDecision>(DECISION_SQL, [deploymentId]);
  if (!r) return undefined;
  const rows = await q.rows<RawStep>('SELECT step, total, pending, in_flight, succeeded, segment FROM deployment_progress WHERE deployment_id = $1', [deploymentId]);
  return toRolloutRead(r, rows);
}

/** Moves the deployment into a later step with the gates it starts with (no bake: none). */
export async function enterStep(q: Sql, deploymentId: string, gates: StepGates): Promise<void> {
  await q.run('UPDATE deployments SET current_step = $1, bake_until = $2, approval = $3 WHERE deployment_id = $4', [
    gates.step,
    gates.bakeUntil ?? null,
    gates.approval,
    deploymentId,
  ]);
}

/** Pauses or resumes new hosts of the deployment. */
export async function setPaused(q: Sql, deploymentId: string, paused: boolean): Promise<void> {
  await q.run('UPDATE deployments SET paused = $1 WHERE deployment_id = $2', [paused ? 1 : 0, deploymentId]);
}

/** Records the approval of the deployment's gate. */
export async function approve(q: Sql, deploymentId: string, who: string, at: string): Promise<void> {
  await q.run(`UPDATE deployments SET approval = 'Approved', approved_by = $1, approved_at = $2 WHERE deployment_id = $3`, [who, at, deploymentId]);
}

/** Ids of running deployments whose bake is over at `at` (among `among` when given). */
export async function bakesOverAt(q: Sql, at: string, among?: readonly string[]): Promise<string[]> {
  const only = amongClause('deployment_id', among, 2);
  const rows = await q.rows<{ deployment_id: string }>(
    `SELECT deployment_id FROM deployments WHERE status = 'InProgress' AND bake_until IS NOT NULL AND bake_until <= $1${only.sql}`,
    [at, ...only.args],
  );
  return rows.map((r) => r.deployment_id);
}

/** Clears the deployment's bake deadline. */
export async function endBake(q: Sql, deploymentId: string): Promise<void> {
  await q.run('UPDATE deployments SET bake_until = NULL WHERE deployment_id = $1', [deploymentId]);
}
