/**
 * The blue/green decision: one pure function from where a blue/green deployment stands to what
 * happens next, after CodeDeploy's blue/green for EC2 adapted to hosts an operator owns.
 *
 * - prepare: the replacement (green) hosts are taken out of the balancer, so nothing is
 *   installed on a host that serves (the first deployment of a group may find both fleets in).
 * - install: the green hosts are deployed in place with the group's configuration (the
 *   ordinary rollout decides); each stops at AllowTraffic, Ready. A rollout that fails here
 *   never moved traffic: the deployment fails, blue keeps serving.
 * - switch: traffic moves, all at once or in steps: each step lets a share of the green hosts
 *   run AllowTraffic (the balancer puts them in, health passes, AfterAllowTraffic) and then
 *   drains the same share of blue hosts; between steps the moved hosts are analysed.
 * - wait: CodeDeploy's terminationWaitTimeInMinutes, still analysed: traffic may move back.
 * - blue: the original hosts run BeforeBlockTraffic, BlockTraffic, AfterBlockTraffic (and
 *   Retire when the group retires them); then the deployment succeeds and the fleets swap roles.
 * - rollback: after traffic moved, a failure moves it back before anything of blue is touched:
 *   the drained blue hosts are put back in (with health passes), then the green ones taken out.
 */
import type { DeploymentErrorCode, InstanceStatus } from '../../../../protocol/src/index.ts';

/** The phases of a blue/green deployment (see the module comment). */
export type BlueGreenPhase = 'prepare' | 'install' | 'switch' | 'wait' | 'blue' | 'rollback';

/** The balancer moves the decision orders, one per host at most of each kind. */
export type FleetOp = 'PrepareGreen' | 'DrainBlue' | 'RestoreBlue' | 'DrainGreen';

/** How a traffic operation stands: not started, running, or how it ended. */
export type OpState = undefined | 'Running' | 'Succeeded' | 'Failed' | 'Skipped';

/** One host of the deployment as the decision sees it. */
export interface FleetHost {
  instanceId: string;
  hostname: string;
  status: InstanceStatus;
  errorCode?: string;
  message?: string;
  /** The host's traffic operations of this deployment. */
  ops: Partial<Record<FleetOp | 'AllowTraffic', OpState>>;
  /** The failure of a failed operation, when one failed. */
  opFailure?: string;
}

/** Where a blue/green deployment stands, read in one go. */
export interface BlueGreenSnapshot {
  phase: BlueGreenPhase;
  /** The traffic step (switch), from 1. */
  step: number;
  /** The cumulative share of green hosts serving after each step, in percent, and the interval after it. */
  steps: readonly { percent: number; intervalSeconds: number }[];
  /** Green hosts in rollout order, blue hosts in their order. */
  green: readonly FleetHost[];
  blue: readonly FleetHost[];
  /** The deployment waits until then (a step's interval, the termination wait). */
  until?: string;
  terminationWaitSeconds: number;
  /** Why the deployment fails (set when the rollback began). */
  failure?: { code: DeploymentErrorCode; message: string };
}

/** What to do next. */
export type BlueGreenAction =
  /** Record these operations as Running and carry them out. */
  | { kind: 'ops'; ops: { instanceId: string; op: FleetOp }[] }
  /** Traffic moves to these Ready green hosts: their AllowTraffic runs. */
  | { kind: 'release'; instanceIds: string[] }
  /** Move to a phase (and step), waiting until `until` when set; `watch` the hosts traffic moved to. */
  | { kind: 'enter'; phase: BlueGreenPhase; step?: number; until?: string; watch?: string[] }
  /** The original hosts get their block-traffic events. */
  | { kind: 'dispatchBlue' }
  /** Traffic never moved and will not: the deployment fails; Ready green hosts are told so. */
  | { kind: 'fail'; code: DeploymentErrorCode; message: string; release: string[] }
  /** Traffic moved and must move back first: the rollback phase begins. */
  | { kind: 'rollback'; code: DeploymentErrorCode; message: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'finish'; status: 'Succeeded' }
  | { kind: 'finish'; status: 'Failed'; code: DeploymentErrorCode; message: string; held: string[] };

const TERMINAL: ReadonlySet<InstanceStatus> = new Set(['Succeeded', 'Failed', 'Skipped', 'Unknown']);

/** Green hosts that take part in the switch: those that reached AllowTraffic (Ready, or on). */
export function eligibleGreen(green: readonly FleetHost[]): FleetHost[] {
  return green.filter((h) => h.status === 'Ready' || h.ops.AllowTraffic !== undefined);
}

/** How many of `n` hosts a share of `percent` is: rounded up for green (a canary is never empty). */
function share(n: number, percent: number, round: (x: number) => number): number {
  return Math.min(n, round((n * percent) / 100));
}

function heldGreen(green: readonly FleetHost[]): string[] {
  return green.filter((h) => h.status === 'Ready' && h.ops.AllowTraffic === undefined).map((h) => h.instanceId);
}

function failureOf(h: FleetHost, what: string): string {
  return `${what} ${h.hostname} failed: ${h.opFailure ?? h.message ?? h.errorCode ?? 'no reason given'}`;
}

function prepare(s: BlueGreenSnapshot): BlueGreenAction {
  const missing = s.green.filter((h) => h.ops.PrepareGreen === undefined);
  if (missing.length > 0) return { kind: 'ops', ops: missing.map((h) => ({ instanceId: h.instanceId, op: 'PrepareGreen' })) };
  if (s.green.some((h) => h.ops.PrepareGreen === 'Running')) return { kind: 'wait', reason: 'replacement hosts leaving the load balancer' };
  const failed = s.green.find((h) => h.ops.PrepareGreen === 'Failed');
  if (failed) return { kind: 'fail', code: 'ELASTIC_LOAD_BALANCING_INVALID', message: `${failureOf(failed, 'taking the replacement host')}; traffic never moved`, release: [] };
  return { kind: 'enter', phase: 'install' };
}

/** The switch's current step: green hosts in, then as many blue out, then the interval. */
function switchStep(s: BlueGreenSnapshot, now: string): BlueGreenAction {
  const eligible = eligibleGreen(s.green);
  const current = s.steps[s.step - 1] ?? { percent: 100, intervalSeconds: 0 };
  const last = s.step >= s.steps.length;
  const greenIn = eligible.slice(0, share(eligible.length, current.percent, Math.ceil));
  const release = greenIn.filter((h) => h.status === 'Ready' && h.ops.AllowTraffic === undefined);
  if (release.length > 0) return { kind: 'release', instanceIds: release.map((h) => h.instanceId) };
  const failedGreen = greenIn.find((h) => h.status === 'Failed' || h.status === 'Unknown' || h.ops.AllowTraffic === 'Failed');
  if (failedGreen) return { kind: 'rollback', code: 'CUSTOMER_APPLICATION_UNHEALTHY', message: failureOf(failedGreen, 'moving traffic to replacement host') };
  if (greenIn.some((h) => h.status !== 'Succeeded')) return { kind: 'wait', reason: 'replacement hosts joining the load balancer' };
  const blueOut = s.blue.slice(0, last ? s.blue.length : share(s.blue.length, current.percent, Math.floor));
  const drain = blueOut.filter((h) => h.ops.DrainBlue === undefined);
  if (drain.length > 0) return { kind: 'ops', ops: drain.map((h) => ({ instanceId: h.instanceId, op: 'DrainBlue' })) };
  if (blueOut.some((h) => h.ops.DrainBlue === 'Running')) return { kind: 'wait', reason: 'original hosts leaving the load balancer' };
  const failedBlue = blueOut.find((h) => h.ops.DrainBlue === 'Failed');
  if (failedBlue) return { kind: 'rollback', code: 'ELASTIC_LOAD_BALANCING_INVALID', message: failureOf(failedBlue, 'taking original host') };
  const watch = greenIn.map((h) => h.instanceId);
  if (last) return { kind: 'enter', phase: 'wait', until: after(now, s.terminationWaitSeconds), watch };
  if (s.until === undefined) {
    if (current.intervalSeconds > 0) return { kind: 'enter', phase: 'switch', step: s.step, until: after(now, current.intervalSeconds), watch };
    return { kind: 'enter', phase: 'switch', step: s.step + 1 };
  }
  if (s.until > now) return { kind: 'wait', reason: `traffic step ${s.step} of ${s.steps.length}: analysing before the next` };
  return { kind: 'enter', phase: 'switch', step: s.step + 1 };
}

function rollback(s: BlueGreenSnapshot): BlueGreenAction {
  const failure = s.failure ?? { code: 'INTERNAL_ERROR' as const, message: 'the blue/green deployment failed' };
  const restore = s.blue.filter((h) => h.ops.DrainBlue !== undefined && h.ops.RestoreBlue === undefined);
  if (restore.length > 0) return { kind: 'ops', ops: restore.map((h) => ({ instanceId: h.instanceId, op: 'RestoreBlue' })) };
  if (s.blue.some((h) => h.ops.RestoreBlue === 'Running')) return { kind: 'wait', reason: 'traffic moving back to the original hosts' };
  const held = heldGreen(s.green);
  const notBack = s.blue.find((h) => h.ops.RestoreBlue === 'Failed');
  if (notBack) {
    // Taking green out too would leave nothing serving: it keeps the traffic it has.
    return { kind: 'finish', status: 'Failed', code: failure.code, message: `${failure.message}; traffic could not move back (${failureOf(notBack, 'putting back original host')}), so the replacement hosts keep serving`, held };
  }
  const drain = s.green.filter((h) => h.ops.AllowTraffic !== undefined && h.ops.DrainGreen === undefined);
  if (drain.length > 0) return { kind: 'ops', ops: drain.map((h) => ({ instanceId: h.instanceId, op: 'DrainGreen' })) };
  if (s.green.some((h) => h.ops.DrainGreen === 'Running')) return { kind: 'wait', reason: 'replacement hosts leaving the load balancer' };
  const stuck = s.green.find((h) => h.ops.DrainGreen === 'Failed');
  const tail = stuck ? `; ${failureOf(stuck, 'taking out replacement host')}` : '';
  return { kind: 'finish', status: 'Failed', code: failure.code, message: `${failure.message}; traffic moved back to the original hosts${tail}`, held };
}

/**
 * What a blue/green deployment does next at `now`, outside its install phase (whose hosts the
 * rollout decision paces; the engine asks this function once that rollout is over).
 */
export function decideBlueGreen(s: BlueGreenSnapshot, now: Date): BlueGreenAction {
  const nowIso = now.toISOString();
  switch (s.phase) {
    case 'prepare':
      return prepare(s);
    case 'install':
      return { kind: 'wait', reason: 'replacement hosts being deployed' };
    case 'switch':
      return switchStep(s, nowIso);
    case 'wait':
      if (s.until !== undefined && s.until > nowIso) return { kind: 'wait', reason: 'termination wait: traffic may still move back' };
      return { kind: 'dispatchBlue' };
    case 'blue':
      if (s.blue.some((h) => !TERMINAL.has(h.status))) return { kind: 'wait', reason: 'original hosts blocking traffic' };
      return { kind: 'finish', status: 'Succeeded' };
    case 'rollback':
      return rollback(s);
  }
}

/** `now` plus `seconds`, as stored. */
function after(nowIso: string, seconds: number): string {
  return new Date(Date.parse(nowIso) + seconds * 1000).toISOString();
}
