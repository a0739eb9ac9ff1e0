/**
 * Runs blue/green deployments: starts one (its two fleets, the original hosts added as Blue
 * targets outside the rollout's batches), and applies the blue/green decision
 * (policy/blue-green.ts) each time the deployment advances: traffic operations recorded as
 * Running in the unit of work and carried out by the traffic service after it commits, Ready
 * replacement hosts released, the original hosts' commands, and the deployment's end. The
 * install phase is the ordinary rollout, decided by the caller (rollout.ts).
 */
import { newId } from '../../../common/src/ids.ts';
import { BLUE_EVENT_ORDER, RETIRE_EVENT, routingSteps, type BlueGreenDeploymentConfiguration, type DeploymentErrorCode } from '../../../protocol/src/index.ts';
import type { DeploymentRow } from '../store/deployments/deployments.ts';
import type { HostCommand } from '../store/deployments/targets.ts';
import type { BlueGreenRecord } from '../store/traffic.ts';
import { commandBuilder } from './commands.ts';
import { deadlineAfter, fail, inSeconds, iso, markStopped, succeed, type Engine } from './engine.ts';
import { decideBlueGreen, eligibleGreen, type BlueGreenAction, type BlueGreenSnapshot, type FleetHost, type FleetOp, type OpState } from './policy/blue-green.ts';
import type { RolloutDecision } from './policy/decide-rollout.ts';
import { trafficFieldsOf } from './traffic-commands.ts';

/** How a blue/green deployment starts: its fleets' names and the original hosts. */
export interface BlueGreenStart {
  fleetTag: string;
  blueFleet: string;
  greenFleet: string;
  blueIds: string[];
}

/** Records the blue/green state and adds the original hosts as Blue targets (step 0: no rollout batch takes them). */
export async function startBlueGreen(e: Engine, d: DeploymentRow, start: BlueGreenStart, config: BlueGreenDeploymentConfiguration): Promise<void> {
  const retire = config.terminateBlueInstancesOnDeploymentSuccess?.action === 'RETIRE';
  await e.tx.targets.insert(d.deploymentId, start.blueIds, { step: 0, label: 'Blue', events: [...BLUE_EVENT_ORDER, ...(retire ? [RETIRE_EVENT] : [])] });
  const record: BlueGreenRecord = {
    phase: 'prepare',
    fleetTag: start.fleetTag,
    blueFleet: start.blueFleet,
    greenFleet: start.greenFleet,
    step: 1,
    steps: routingSteps(config.trafficRoutingConfig),
    trafficMoved: false,
    retire,
  };
  await e.tx.traffic.putBlueGreen(d.deploymentId, record);
  e.log.info('blue/green deployment started', { deploymentId: d.deploymentId, blueFleet: start.blueFleet, greenFleet: start.greenFleet, blue: start.blueIds.length });
}

/** Seconds of the termination wait of the group's configuration. */
async function terminationWaitSeconds(e: Engine, d: DeploymentRow): Promise<number> {
  const minutes = (await e.tx.traffic.groupTraffic(d.deploymentGroupId)).blueGreen?.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes ?? 0;
  return Math.round(minutes * 60);
}

/** Reads the deployment's hosts and traffic operations for the decision. */
async function readSnapshot(e: Engine, d: DeploymentRow, record: BlueGreenRecord): Promise<BlueGreenSnapshot> {
  const labels = await e.tx.traffic.labelsOf(d.deploymentId);
  const ops = new Map<string, FleetHost['ops']>();
  const opFailures = new Map<string, string>();
  for (const op of await e.tx.traffic.opsOf(d.deploymentId)) {
    const host = ops.get(op.instanceId) ?? {};
    host[op.op as FleetOp | 'AllowTraffic'] = op.status as OpState;
    ops.set(op.instanceId, host);
    if (op.status === 'Failed' && op.message !== undefined) opFailures.set(op.instanceId, op.message);
  }
  const green: FleetHost[] = [];
  const blue: FleetHost[] = [];
  for (const t of await e.tx.deploymentViews.targets(d.deploymentId)) {
    const host: FleetHost = { instanceId: t.instanceId, hostname: t.hostname || t.instanceId, status: t.status, ops: ops.get(t.instanceId) ?? {} };
    if (t.errorCode !== undefined) host.errorCode = t.errorCode;
    if (t.message !== undefined) host.message = t.message;
    const failure = opFailures.get(t.instanceId);
    if (failure !== undefined) host.opFailure = failure;
    (labels.get(t.instanceId) === 'Blue' ? blue : green).push(host);
  }
  const snapshot: BlueGreenSnapshot = { phase: record.phase, step: record.step, steps: record.steps, green, blue, terminationWaitSeconds: await terminationWaitSeconds(e, d) };
  if (record.until !== undefined) snapshot.until = record.until;
  if (record.failure) snapshot.failure = record.failure;
  return snapshot;
}

function withoutUntil(record: BlueGreenRecord): BlueGreenRecord {
  const { until: _until, ...rest } = record;
  return rest;
}

/** Wakes the deployment at `until` (the scheduler's bake timer), or clears its wake. */
async function setWake(e: Engine, deploymentId: string, until: string | undefined): Promise<void> {
  const rollout = await e.tx.deployments.readRollout(deploymentId);
  if (!rollout) return;
  await e.tx.deployments.enterStep(deploymentId, { step: rollout.step, approval: rollout.approval, ...(until === undefined ? {} : { bakeUntil: until }) });
}

/** Records traffic operations as Running; the traffic service carries them out after commit. */
async function startOps(e: Engine, deploymentId: string, ops: readonly { instanceId: string; op: FleetOp | 'AllowTraffic' }[]): Promise<void> {
  for (const { instanceId, op } of ops) {
    if (await e.tx.traffic.startOp(deploymentId, instanceId, op, iso(e))) e.out.push({ traffic: { kind: 'run', deploymentId, instanceId, op } });
  }
}

/**
 * Tells Ready replacement hosts that traffic will not move to them: their AllowTraffic fails
 * with the deployment's reason (the agents stop waiting).
 */
export async function answerHeld(e: Engine, deploymentId: string, instanceIds: readonly string[], code: DeploymentErrorCode, message: string): Promise<void> {
  for (const instanceId of instanceIds) {
    if (!(await e.tx.traffic.startOp(deploymentId, instanceId, 'AllowTraffic', iso(e)))) continue;
    await e.tx.traffic.finishOp(deploymentId, instanceId, 'AllowTraffic', { status: 'Failed', errorCode: code, message: `traffic did not move to this host: ${message}` }, iso(e));
    e.out.push({ traffic: { kind: 'send', deploymentId, instanceId, op: 'AllowTraffic' } });
  }
}

/** The Ready replacement hosts of a deployment that traffic never reached. */
async function heldOf(e: Engine, d: DeploymentRow, record: BlueGreenRecord): Promise<string[]> {
  const s = await readSnapshot(e, d, record);
  return s.green.filter((h) => h.status === 'Ready' && h.ops.AllowTraffic === undefined).map((h) => h.instanceId);
}

/** Sends the original hosts their block-traffic commands (those offline wait for their agent). */
async function dispatchBlue(e: Engine, d: DeploymentRow, blue: readonly FleetHost[]): Promise<void> {
  const spec = await e.tx.deployments.dispatchSpec(d.deploymentId);
  if (!spec) return;
  const commandWith = commandBuilder(spec.command, (await trafficFieldsOf(e.tx, d.deploymentId, d.deploymentGroupId))('Blue'));
  const pending = blue.filter((h) => h.status === 'Pending').map((h) => h.instanceId);
  const connected: HostCommand[] = pending.filter((id) => e.presence.isConnected(id)).map((instanceId) => ({ instanceId, commandId: newId('c') }));
  const offline = pending.filter((id) => !e.presence.isConnected(id));
  // Only the hosts the dispatch took get a command (another decision may have taken one first).
  const taken = new Set(await e.tx.targets.markDispatched(d.deploymentId, connected, { at: iso(e), deadline: deadlineAfter(e, spec.eventTimeoutSeconds) }));
  for (const h of connected) if (taken.has(h.instanceId)) e.out.push({ instanceId: h.instanceId, command: commandWith(h.commandId, h.instanceId) });
  if (offline.length > 0) await e.tx.targets.markWaiting(d.deploymentId, offline, { at: iso(e), deadline: inSeconds(e, spec.agentWaitSeconds) });
}

/** Ends a blue/green deployment that failed (or was stopped), telling waiting hosts. */
async function end(e: Engine, d: DeploymentRow, record: BlueGreenRecord, held: readonly string[], code: DeploymentErrorCode, message: string): Promise<void> {
  e.out.push({ traffic: { kind: 'unwatch', deploymentId: d.deploymentId } });
  await answerHeld(e, d.deploymentId, held, code === 'MANUAL_STOP' ? 'MANUAL_STOP' : 'HEALTH_CONSTRAINTS', message);
  await e.tx.targets.skipPending(d.deploymentId, iso(e), code === 'MANUAL_STOP' ? 'Not deployed: the deployment was stopped before this host\'s turn.' : `Not deployed: the blue/green deployment stopped with ${code} before this host's turn.`);
  await setWake(e, d.deploymentId, undefined);
  await e.tx.traffic.putBlueGreen(d.deploymentId, { ...record, failure: { code, message } });
  if (code !== 'MANUAL_STOP') return fail(e, d, code, message);
  await markStopped(e, d);
  await e.onEnded(e, d, 'Stopped');
}

/** Applies one decision; true when the deployment should be decided again at once. */
async function applyAction(e: Engine, d: DeploymentRow, record: BlueGreenRecord, action: BlueGreenAction, green: readonly FleetHost[], blue: readonly FleetHost[]): Promise<boolean> {
  const id = d.deploymentId;
  switch (action.kind) {
    case 'wait':
      return false;
    case 'ops':
      await startOps(e, id, action.ops);
      return false;
    case 'release': {
      const spec = await e.tx.deployments.dispatchSpec(id);
      await e.tx.traffic.putBlueGreen(id, { ...record, trafficMoved: true });
      await e.tx.targets.release(id, action.instanceIds, { at: iso(e), deadline: deadlineAfter(e, spec?.eventTimeoutSeconds ?? 3600) });
      e.log.info('traffic moving to replacement hosts', { deploymentId: id, step: record.step, hosts: action.instanceIds.length });
      await startOps(e, id, action.instanceIds.map((instanceId) => ({ instanceId, op: 'AllowTraffic' as const })));
      return false;
    }
    case 'enter': {
      const { until: _until, ...rest } = record;
      const next: BlueGreenRecord = { ...rest, phase: action.phase, step: action.step ?? (action.phase === record.phase ? record.step : 1) };
      if (action.until !== undefined) next.until = action.until;
      await e.tx.traffic.putBlueGreen(id, next);
      await setWake(e, id, action.until);
      if (action.watch) e.out.push({ traffic: { kind: 'watch', deploymentId: id, instanceIds: action.watch } });
      e.log.info('blue/green deployment moves on', { deploymentId: id, phase: action.phase, step: next.step, until: action.until });
      return action.until === undefined || action.until <= iso(e);
    }
    case 'dispatchBlue':
      e.out.push({ traffic: { kind: 'unwatch', deploymentId: id } });
      await e.tx.traffic.putBlueGreen(id, withoutUntil({ ...record, phase: 'blue' }));
      await setWake(e, id, undefined);
      await dispatchBlue(e, d, blue);
      return true;
    case 'fail':
      await end(e, d, record, action.release, action.code, action.message);
      return false;
    case 'rollback':
      e.log.warn('blue/green deployment failed after traffic moved; moving it back', { deploymentId: id, errorCode: action.code, reason: action.message });
      e.out.push({ traffic: { kind: 'unwatch', deploymentId: id } });
      await e.tx.traffic.putBlueGreen(id, withoutUntil({ ...record, phase: 'rollback', failure: { code: action.code, message: action.message } }));
      await setWake(e, id, undefined);
      return true;
    case 'finish':
      if (action.status === 'Failed') {
        await end(e, d, record, action.held, action.code, action.message);
        return false;
      }
      await e.tx.traffic.setLiveFleet(d.deploymentGroupId, record.greenFleet);
      e.log.info('blue/green deployment done; the fleets swap roles', { deploymentId: id, liveFleet: record.greenFleet, green: eligibleGreen(green).length });
      await succeed(e, d);
      return false;
  }
}

/**
 * Advances a blue/green deployment. In its install phase `rollout` is the ordinary rollout's
 * decision over the replacement hosts, applied by `applyRollout` until it is over.
 */
export async function advanceBlueGreen(e: Engine, d: DeploymentRow, record: BlueGreenRecord, rollout: RolloutDecision, applyRollout: (decision: RolloutDecision) => Promise<void>): Promise<void> {
  let current = record;
  if (current.phase === 'install') {
    // Waiting, starting hosts or pausing (an inconclusive analysis) is the ordinary rollout's.
    if (rollout.action === 'start' || rollout.action === 'wait' || rollout.action === 'pause') return applyRollout(rollout);
    if (rollout.enter) await e.tx.deployments.enterStep(d.deploymentId, rollout.enter);
    if (rollout.action === 'stop' || rollout.status === 'Failed') {
      const message = `${rollout.message} Traffic never moved to the replacement hosts.`;
      return end(e, d, current, await heldOf(e, d, current), rollout.code, message);
    }
    current = withoutUntil({ ...current, phase: 'switch', step: 1 });
    await e.tx.traffic.putBlueGreen(d.deploymentId, current);
    await setWake(e, d.deploymentId, undefined);
    e.log.info('replacement hosts ready; traffic moves', { deploymentId: d.deploymentId, steps: current.steps.length });
  }
  // Each pass either waits, ends, or moves to a later state; a few passes settle any state.
  for (let pass = 0; pass < 20; pass++) {
    const s = await readSnapshot(e, d, current);
    const action = decideBlueGreen(s, e.now);
    if (!(await applyAction(e, d, current, action, s.green, s.blue))) return;
    const next = await e.tx.traffic.blueGreenOf(d.deploymentId);
    if (!next) return;
    current = next;
    if (current.phase === 'install') return advanceBlueGreen(e, d, current, rollout, applyRollout);
  }
}

/**
 * A blue/green deployment is stopped by request. Traffic that moved moves back first (the
 * deployment ends Stopped after); otherwise Ready replacement hosts are told traffic will not
 * come. Returns true when the rollback took over the stop.
 */
export async function stopBlueGreen(e: Engine, d: DeploymentRow): Promise<boolean> {
  const record = await e.tx.traffic.blueGreenOf(d.deploymentId);
  if (!record) return false;
  // Already moving traffic back: the rollback ends the deployment.
  if (record.phase === 'rollback') return true;
  if (record.trafficMoved && (record.phase === 'switch' || record.phase === 'wait')) {
    e.out.push({ traffic: { kind: 'unwatch', deploymentId: d.deploymentId } });
    await e.tx.traffic.putBlueGreen(d.deploymentId, withoutUntil({ ...record, phase: 'rollback', failure: { code: 'MANUAL_STOP', message: 'The deployment was stopped by request.' } }));
    await setWake(e, d.deploymentId, undefined);
    return true;
  }
  e.out.push({ traffic: { kind: 'unwatch', deploymentId: d.deploymentId } });
  await answerHeld(e, d.deploymentId, await heldOf(e, d, record), 'MANUAL_STOP', 'the deployment was stopped by request');
  return false;
}

/** The analysis of hosts traffic moved to failed: traffic moves back (switch and wait phases only). */
export async function analysisFailed(e: Engine, deploymentId: string, message: string): Promise<boolean> {
  const d = await e.tx.deployments.get(deploymentId);
  const record = await e.tx.traffic.blueGreenOf(deploymentId);
  if (!d || d.status !== 'InProgress' || !record || (record.phase !== 'switch' && record.phase !== 'wait')) return false;
  e.log.warn('analysis failed after traffic moved; moving it back', { deploymentId, reason: message });
  await e.tx.traffic.putBlueGreen(deploymentId, withoutUntil({ ...record, phase: 'rollback', failure: { code: 'CUSTOMER_APPLICATION_UNHEALTHY', message } }));
  await setWake(e, deploymentId, undefined);
  return true;
}
