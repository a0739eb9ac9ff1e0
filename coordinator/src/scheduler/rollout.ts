/**
 * A deployment's rollout steps in the store: how its hosts are split into steps when it starts
 * (steps.ts does the arithmetic), where it stands (current step, bake deadline, pause,
 * approval), and the next scheduling decision once those gates are taken into account. The
 * bake deadline is stored, so a restarted coordinator resumes the bake where it was.
 */
import { prepared } from '../store/statements.ts';
import type { Db } from '../store/db.ts';
import { listInstances } from '../store/instances.ts';
import type { RolloutState } from '../../../protocol/src/index.ts';
import type { RunConfig } from './configs.ts';
import { minimumHealthyCount, simulateBatches, type Decision, type Progress, type StartProblem } from './health.ts';
import { batchSizes, decideStep, segmentHosts, type StepKind } from './steps.ts';
import type { PlannedHost } from './targets.ts';
import { progressOf, stepProgressOf } from './target-rows.ts';

/** How a deployment's hosts are split into steps. */
export interface StepPlan {
  kind: StepKind;
  /** Hosts in the order they are taken (segments regroup the CodeDeploy order). */
  hosts: PlannedHost[];
  /** The size of each step, in order. */
  sizes: number[];
  /** The segment (tag value, null: untagged) of each step, for segment plans. */
  segments?: (string | null)[];
  bakeSeconds: number;
  requireApproval: boolean;
  problem?: StartProblem;
}

const NO_MINIMUM = { type: 'HOST_COUNT', value: 0 } as const;

/** The minimum healthy hosts inside a step of `size` hosts (segments only). */
export function stepMinimum(config: RunConfig, size: number): number | undefined {
  if (config.rollout.segmentBy === undefined) return undefined;
  return minimumHealthyCount(config.rollout.minimumHealthyHostsPerSegment ?? NO_MINIMUM, size);
}

function segmentPlan(db: Db, config: RunConfig, hosts: PlannedHost[], key: string, requireApproval: boolean): StepPlan {
  const tags = new Map(listInstances(db).map((i) => [i.instanceId, i.tags]));
  const segments = segmentHosts(hosts, (h) => tags.get(h.instanceId)?.[key]);
  const plan: StepPlan = {
    kind: 'segment',
    hosts: segments.flatMap((s) => s.hosts),
    sizes: segments.map((s) => s.hosts.length),
    segments: segments.map((s) => s.value),
    bakeSeconds: config.rollout.segmentBakeSeconds ?? 0,
    requireApproval,
  };
  for (const s of segments) {
    const m = stepMinimum(config, s.hosts.length) ?? 0;
    if (m < s.hosts.length) continue;
    plan.problem = {
      code: 'HEALTH_CONSTRAINTS_INVALID',
      message: `The minimum number of healthy instances per segment (${m}) is not less than the ${s.hosts.length} instance(s) of ${segmentLabel(key, s.value)}.`,
    };
    break;
  }
  return plan;
}

/** Splits the ordered hosts of a deployment into its steps. */
export function planSteps(db: Db, config: RunConfig, hosts: PlannedHost[], requireApproval: boolean): StepPlan {
  const n = hosts.length;
  const { batches, segmentBy } = config.rollout;
  if (segmentBy !== undefined) return segmentPlan(db, config, hosts, segmentBy, requireApproval);
  if (batches !== undefined) {
    return { kind: 'list', hosts, sizes: n === 0 ? [] : batchSizes(batches, n), bakeSeconds: config.rollout.bakeSeconds ?? 0, requireApproval };
  }
  // A plain rule: one step, or the rule's first batch then the rest around an approval gate.
  const first = simulateBatches(n, minimumHealthyCount(config.rule, n))[0] ?? n;
  const sizes = n === 0 ? [] : requireApproval && first < n ? [first, n - first] : [n];
  return { kind: 'rule', hosts, sizes, bakeSeconds: 0, requireApproval };
}

/** How a segment is named in messages. */
export function segmentLabel(key: string, value: string | null): string {
  return value === null ? `the hosts without tag ${key}` : `segment ${key}=${value}`;
}

/** Writes each target's step (and segment) and the deployment's step count; call after insertTargets. */
export function storeSteps(db: Db, deploymentId: string, plan: StepPlan): void {
  const target = prepared(db, 'UPDATE deployment_targets SET step = ?, segment = ? WHERE deployment_id = ? AND instance_id = ?');
  let position = 0;
  plan.sizes.forEach((size, i) => {
    for (const host of plan.hosts.slice(position, position + size)) target.run(i + 1, plan.segments?.[i] ?? null, deploymentId, host.instanceId);
    position += size;
  });
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

/** What keeps the deployment from starting hosts at `now`, if anything. */
export function waitingFor(state: Omit<RolloutState, 'waitingFor'>, now: string): RolloutState['waitingFor'] {
  if (state.paused) return 'pause';
  if (state.bakeUntil !== undefined && state.bakeUntil > now) return 'bake';
  return state.approval === 'Waiting' ? 'approval' : undefined;
}

/** The rollout columns of a deployment, or undefined when there is none. */
export function readRollout(db: Db, deploymentId: string, now: string): RolloutRow | undefined {
  const r = prepared(db,
      `SELECT step_kind, current_step, step_count, bake_until, paused, approval, approved_by, approved_at, require_approval
       FROM deployments WHERE deployment_id = ?`,
    )
    .get(deploymentId) as RawRollout | undefined;
  if (!r) return undefined;
  const state: RolloutState = { step: r.current_step, steps: r.step_count, paused: r.paused !== 0, approval: r.approval };
  if (r.bake_until !== null) state.bakeUntil = r.bake_until;
  if (r.approved_by !== null) state.approvedBy = r.approved_by;
  if (r.approved_at !== null) state.approvedAt = r.approved_at;
  const waiting = waitingFor(state, now);
  if (waiting !== undefined) state.waitingFor = waiting;
  const row: RolloutRow = { kind: r.step_kind, state };
  if (r.require_approval !== null) row.requireApproval = r.require_approval !== 0;
  return row;
}

/** Stores the deployment's own approval setting (it overrides its configuration's). */
export function setRequireApproval(db: Db, deploymentId: string, required: boolean): void {
  prepared(db, 'UPDATE deployments SET require_approval = ? WHERE deployment_id = ?').run(required ? 1 : 0, deploymentId);
}

function stepProgress(db: Db, deploymentId: string, step: number, kind: StepKind): Progress & { segment: string | null } {
  // Only segment plans name their step; the lookup uses the (deployment_id, step) index.
  const r = kind === 'segment'
    ? (prepared(db, 'SELECT segment FROM deployment_targets WHERE deployment_id = ? AND step = ? LIMIT 1').get(deploymentId, step) as { segment: string | null } | undefined)
    : undefined;
  return { ...stepProgressOf(db, deploymentId, step), segment: r?.segment ?? null };
}

/** Moves to the next step: its bake starts now, and after step 1 a pending approval is awaited. */
function enterNextStep(db: Db, deploymentId: string, bakeUntil: string | null): void {
  prepared(db,
    `UPDATE deployments SET bake_until = ?,
       approval = CASE WHEN approval = 'Pending' AND current_step = 1 THEN 'Waiting' ELSE approval END,
       current_step = current_step + 1
     WHERE deployment_id = ?`,
  ).run(bakeUntil, deploymentId);
}

/**
 * The next decision for a running deployment: its current step's, moving through finished
 * steps; a `start` becomes `wait` while the deployment is paused, baking or awaiting approval.
 */
export function nextDecision(db: Db, deploymentId: string, config: RunConfig, now: Date): Decision {
  for (;;) {
    const rollout = readRollout(db, deploymentId, now.toISOString());
    if (!rollout) return { action: 'wait' };
    const { step, steps } = rollout.state;
    const all = progressOf(db, deploymentId);
    const current = stepProgress(db, deploymentId, step, rollout.kind);
    const key = config.rollout.segmentBy ?? '';
    const label = rollout.kind === 'segment' ? segmentLabel(key, current.segment) : `batch ${step}`;
    const input = { kind: rollout.kind, all, step: current, m: minimumHealthyCount(config.rule, all.total), last: step >= steps, label };
    const stepM = rollout.kind === 'segment' ? stepMinimum(config, current.total) : undefined;
    const decision = decideStep(stepM === undefined ? input : { ...input, stepM });
    if (decision.action !== 'next') return decision.action === 'start' && rollout.state.waitingFor !== undefined ? { action: 'wait' } : decision;
    const bake = rollout.kind === 'list' ? (config.rollout.bakeSeconds ?? 0) : rollout.kind === 'segment' ? (config.rollout.segmentBakeSeconds ?? 0) : 0;
    enterNextStep(db, deploymentId, bake > 0 ? new Date(now.getTime() + bake * 1000).toISOString() : null);
  }
}
