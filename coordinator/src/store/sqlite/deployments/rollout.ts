/**
 * A deployment's rollout in SQLite: each target's step (and segment) when it starts, where it
 * stands (current step, bake deadline, pause, approval), and the one read the rollout decision
 * takes. The bake deadline is stored, so a restarted coordinator resumes the bake where it was.
 */
import type { RolloutRead, RolloutRecord, StepAssignment, StepGates } from '../../deployments/deployments.ts';
import type { Db } from '../db.ts';
import { prepared } from '../statements.ts';
import { amongClause } from '../columns.ts';
import { toRollout, toRolloutRead, type RawDecision, type RawRollout, type RawStep } from '../../rows/deployments.ts';

/** Writes each target's step (and segment) and the deployment's step count; call after insertTargets. */
export function storeSteps(db: Db, deploymentId: string, plan: StepAssignment): void {
  const target = prepared(db, 'UPDATE deployment_targets SET step = ?, segment = ? WHERE deployment_id = ? AND instance_id = ?');
  let position = 0;
  plan.sizes.forEach((size, i) => {
    for (const instanceId of plan.instanceIds.slice(position, position + size)) target.run(i + 1, plan.segments?.[i] ?? null, deploymentId, instanceId);
    position += size;
  });
  if (plan.segments) {
    const step = prepared(db, 'UPDATE deployment_progress SET segment = ? WHERE deployment_id = ? AND step = ?');
    plan.segments.forEach((segment, i) => step.run(segment, deploymentId, i + 1));
  }
  prepared(db, 'UPDATE deployments SET step_kind = ?, step_count = ?, current_step = 1, approval = ? WHERE deployment_id = ?').run(
    plan.kind,
    Math.max(plan.sizes.length, 1),
    plan.requireApproval ? 'Pending' : 'NotRequired',
    deploymentId,
  );
}

const ROLLOUT_COLUMNS = 'step_kind, current_step, step_count, bake_until, paused, approval, approved_by, approved_at, require_approval';

/** The rollout columns of a deployment, or undefined when there is none. */
export function readRollout(db: Db, deploymentId: string): RolloutRecord | undefined {
  const r = prepared(db, `SELECT ${ROLLOUT_COLUMNS} FROM deployments WHERE deployment_id = ?`).get(deploymentId) as RawRollout | undefined;
  return r && toRollout(r);
}

/** The deployment's row with the custom configuration it names, if any (c_ columns). */
const DECISION_SQL = `SELECT d.*, c.name AS c_name, c.minimum_healthy_hosts AS c_minimum_healthy_hosts, c.rollout AS c_rollout, c.created_at AS c_created_at
  FROM deployments d LEFT JOIN deployment_configs c ON c.name = d.deployment_config_name WHERE d.deployment_id = ?`;

/**
 * What the rollout decision reads, in two statements: the deployment's row (rollout columns and
 * its custom configuration included) and the per-step counters the store's triggers keep
 * (migration 4).
 */
export function readForDecision(db: Db, deploymentId: string): RolloutRead | undefined {
  const r = prepared(db, DECISION_SQL).get(deploymentId) as RawDecision | undefined;
  if (!r) return undefined;
  const rows = prepared(db, 'SELECT step, total, pending, in_flight, succeeded, segment FROM deployment_progress WHERE deployment_id = ?').all(deploymentId) as RawStep[];
  return toRolloutRead(r, rows);
}

/** Moves the deployment into a later step with the gates it starts with (no bake: none). */
export function enterStep(db: Db, deploymentId: string, gates: StepGates): void {
  prepared(db, 'UPDATE deployments SET current_step = ?, bake_until = ?, approval = ? WHERE deployment_id = ?').run(
    gates.step,
    gates.bakeUntil ?? null,
    gates.approval,
    deploymentId,
  );
}

/** Pauses or resumes new hosts of the deployment. */
export function setPaused(db: Db, deploymentId: string, paused: boolean): void {
  prepared(db, 'UPDATE deployments SET paused = ? WHERE deployment_id = ?').run(paused ? 1 : 0, deploymentId);
}

/** Records the approval of the deployment's gate. */
export function approve(db: Db, deploymentId: string, who: string, at: string): void {
  prepared(db, `UPDATE deployments SET approval = 'Approved', approved_by = ?, approved_at = ? WHERE deployment_id = ?`).run(who, at, deploymentId);
}

/** Ids of running deployments whose bake is over at `at`. */
export function bakesOverAt(db: Db, at: string, among?: readonly string[]): string[] {
  const only = amongClause('deployment_id', among);
  const rows = prepared(db, `SELECT deployment_id FROM deployments WHERE status = 'InProgress' AND bake_until IS NOT NULL AND bake_until <= ?${only.sql}`).all(at, ...only.args) as {
    deployment_id: string;
  }[];
  return rows.map((r) => r.deployment_id);
}

/** Clears the deployment's bake deadline. */
export function endBake(db: Db, deploymentId: string): void {
  prepared(db, 'UPDATE deployments SET bake_until = NULL WHERE deployment_id = ?').run(deploymentId);
}
