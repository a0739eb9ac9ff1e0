/**
 * A deployment's rollout steps in the store: each target's step (and segment) when it starts,
 * where it stands (current step, bake deadline, pause, approval), and the snapshot the rollout
 * decision reads. The bake deadline is stored, so a restarted coordinator resumes the bake
 * where it was.
 */
import { prepared } from '../store/statements.ts';
import type { Db } from '../store/db.ts';
import type { RolloutState } from '../../../protocol/src/index.ts';
import { gateOf, type RolloutSnapshot, type StepEntry, type StepSnapshot } from './policy/decide-rollout.ts';
import type { StepKind, StepPlan } from './policy/rollout-steps.ts';

/** Writes each target's step (and segment) and the deployment's step count; call after insertTargets. */
export function storeSteps(db: Db, deploymentId: string, plan: StepPlan<{ instanceId: string }>): void {
  const target = prepared(db, 'UPDATE deployment_targets SET step = ?, segment = ? WHERE deployment_id = ? AND instance_id = ?');
  let position = 0;
  plan.sizes.forEach((size, i) => {
    for (const host of plan.hosts.slice(position, position + size)) target.run(i + 1, plan.segments?.[i] ?? null, deploymentId, host.instanceId);
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

interface RawRollout {
  step_kind: StepKind;
  current_step: number;
  step_count: number;
  bake_until: string | null;
  paused: number;
  approval: RolloutState['approval'];
  approved_by: string | null;
  approved_at: string | null;
  require_approval: number | null;
}

/** A deployment's rollout columns. */
export interface RolloutRow {
  kind: StepKind;
  state: RolloutState;
  /** The deployment's own approval setting; undefined: its configuration's. */
  requireApproval?: boolean;
}

const ROLLOUT_COLUMNS = 'step_kind, current_step, step_count, bake_until, paused, approval, approved_by, approved_at, require_approval';

/** The rollout columns of a deployment, or undefined when there is none; `now` decides whether a bake still runs. */
export function readRollout(db: Db, deploymentId: string, now: string): RolloutRow | undefined {
  const r = prepared(db, `SELECT ${ROLLOUT_COLUMNS} FROM deployments WHERE deployment_id = ?`).get(deploymentId) as RawRollout | undefined;
  if (!r) return undefined;
  const state: RolloutState = { step: r.current_step, steps: r.step_count, paused: r.paused !== 0, approval: r.approval };
  if (r.bake_until !== null) state.bakeUntil = r.bake_until;
  if (r.approved_by !== null) state.approvedBy = r.approved_by;
  if (r.approved_at !== null) state.approvedAt = r.approved_at;
  const waiting = gateOf(state, now);
  if (waiting !== undefined) state.waitingFor = waiting;
  const row: RolloutRow = { kind: r.step_kind, state };
  if (r.require_approval !== null) row.requireApproval = r.require_approval !== 0;
  return row;
}

interface RawStep {
  step: number;
  total: number;
  pending: number;
  in_flight: number;
  succeeded: number;
  segment: string | null;
}

/**
 * What the rollout decision reads, in two statements: the rollout columns and the per-step
 * counters the store's triggers keep (migration 4). Undefined when there is no such deployment.
 */
export function readRolloutSnapshot(db: Db, deploymentId: string): RolloutSnapshot | undefined {
  const r = prepared(db, `SELECT ${ROLLOUT_COLUMNS} FROM deployments WHERE deployment_id = ?`).get(deploymentId) as RawRollout | undefined;
  if (!r) return undefined;
  const rows = prepared(db, 'SELECT step, total, pending, in_flight, succeeded, segment FROM deployment_progress WHERE deployment_id = ?').all(deploymentId) as RawStep[];
  const steps: StepSnapshot[] = [];
  for (let i = 0; i < r.step_count; i++) steps.push({ total: 0, pending: 0, inFlight: 0, succeeded: 0, failed: 0, segment: null });
  for (const p of rows) {
    // Unknown, Skipped and Failed all mean the host did not end up healthy.
    const failed = p.total - p.pending - p.in_flight - p.succeeded;
    steps[p.step - 1] = { total: p.total, pending: p.pending, inFlight: p.in_flight, succeeded: p.succeeded, failed, segment: p.segment };
  }
  const gates: RolloutSnapshot['gates'] = { paused: r.paused !== 0, approval: r.approval };
  if (r.bake_until !== null) gates.bakeUntil = r.bake_until;
  return { kind: r.step_kind, step: r.current_step, steps, gates };
}

/** Stores the deployment's own approval setting (it overrides its configuration's). */
export function setRequireApproval(db: Db, deploymentId: string, required: boolean): void {
  prepared(db, 'UPDATE deployments SET require_approval = ? WHERE deployment_id = ?').run(required ? 1 : 0, deploymentId);
}

/** Moves the deployment into a later step with the gates it starts with (no bake: none). */
export function enterStep(db: Db, deploymentId: string, entry: StepEntry): void {
  prepared(db, 'UPDATE deployments SET current_step = ?, bake_until = ?, approval = ? WHERE deployment_id = ?').run(
    entry.step,
    entry.bakeUntil ?? null,
    entry.approval,
    deploymentId,
  );
}
