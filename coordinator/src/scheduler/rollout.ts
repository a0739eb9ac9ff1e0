/**
 * Runs rollouts: starts a deployment (its hosts, their steps, or an immediate failure), and
 * advances a running one by reading its snapshot, letting the rollout policy decide
 * (policy/decide-rollout.ts) and applying the decision: take hosts, wait, stop, or finish.
 */
import { newId } from '../../../common/src/ids.ts';
import { effectiveStyle, GREEN_EVENT_ORDER, TRAFFIC_EVENT_ORDER } from '../../../protocol/src/index.ts';
import type { DeploymentRow } from '../store/deployments/deployments.ts';
import type { HostCommand } from '../store/deployments/targets.ts';
import { commandBuilder, retryStarts } from './commands.ts';
import { trafficFieldsOf } from './traffic-commands.ts';
import { builtinConfig, configFor, customConfig } from './configs.ts';
import { deadlineAfter, fail, inSeconds, iso, markStarted, succeed, type Engine } from './engine.ts';
import { applyHealthAction, effectiveConfig, gateOfAnalysis, startAnalysis } from './health-gates.ts';
import { decideRollout, type RolloutDecision, type RolloutSnapshot } from './policy/decide-rollout.ts';
import type { AlarmStop } from './policy/health.ts';
import { checkStartable, minimumHealthyCount } from './policy/minimum-healthy.ts';
import { planSteps } from './policy/rollout-steps.ts';
import type { RunConfig } from './policy/run-config.ts';
import { selectTargets } from './targets.ts';
import { advanceBlueGreen, startBlueGreen, type BlueGreenStart } from './blue-green.ts';
import { splitFleets } from './policy/blue-green-fleets.ts';

function unknownConfig(d: DeploymentRow): string {
  return `unknown deployment configuration "${d.deploymentConfigName}"`;
}

/** Resolves the hosts of a Created or dequeued deployment and starts it (or fails it at once). */
export async function startDeployment(e: Engine, deploymentId: string): Promise<void> {
  const d = await e.tx.deployments.get(deploymentId);
  if (!d) return;
  const query = { deploymentGroupId: d.deploymentGroupId, revisionId: d.revisionId, updateOutdatedOnly: d.updateOutdatedOnly };
  const traffic = await e.tx.traffic.groupTraffic(d.deploymentGroupId);
  const style = effectiveStyle(traffic.deploymentStyle, traffic.trafficControl);
  const blueGreen = style.type === 'BLUE_GREEN' ? traffic.blueGreen : undefined;
  // A blue/green deployment always takes both whole fleets: explicit hosts and "outdated only" do not apply.
  const selected = await selectTargets(e.tx, d.targetInstances && !blueGreen ? { ...query, instanceIds: d.targetInstances } : { ...query, updateOutdatedOnly: query.updateOutdatedOnly && !blueGreen }, (id) => e.presence.isConnected(id));
  let hosts = selected.hosts;
  let fleets: BlueGreenStart | undefined;
  if (blueGreen) {
    const split = splitFleets(hosts, blueGreen.greenFleetProvisioningOption.fleetTag, traffic.liveFleet, selected.tagOf);
    if ('code' in split) return fail(e, d, split.code, split.message);
    hosts = split.green;
    fleets = { fleetTag: blueGreen.greenFleetProvisioningOption.fleetTag, blueFleet: split.blueFleet, greenFleet: split.greenFleet, blueIds: split.blue.map((h) => h.instanceId) };
  }
  const config = await configFor(e.tx, d.deploymentConfigName);
  const requireApproval = (await e.tx.deployments.readRollout(deploymentId))?.requireApproval ?? config?.rollout.requireApproval ?? false;
  const steps = config && planSteps(config, hosts, requireApproval, selected.tagOf);
  const instanceIds = (steps?.hosts ?? hosts).map((h) => h.instanceId);
  const events = !style.withTraffic ? undefined : blueGreen ? GREEN_EVENT_ORDER : TRAFFIC_EVENT_ORDER;
  await e.tx.targets.insert(deploymentId, instanceIds, { ...(events ? { events } : {}), ...(blueGreen ? { label: 'Green' as const } : {}) });
  if (!config || !steps) return fail(e, d, 'INTERNAL_ERROR', unknownConfig(d));
  const { kind, sizes, segments } = steps;
  await e.tx.deployments.storeSteps(deploymentId, { kind, instanceIds, sizes, requireApproval, ...(segments ? { segments } : {}) });
  const problem = checkStartable(hosts.length, minimumHealthyCount(config.rule, hosts.length)) ?? steps.problem;
  if (problem) return fail(e, d, problem.code, problem.message);
  if (blueGreen && fleets) await startBlueGreen(e, d, fleets, blueGreen);
  await markStarted(e, d);
  await advance(e, deploymentId);
}

/** Starts the group's oldest queued deployment when nothing runs on the group. */
export async function startNextQueued(e: Engine, deploymentGroupId: string): Promise<void> {
  if (await e.tx.deployments.runningOfGroup(deploymentGroupId)) return;
  const next = await e.tx.deployments.nextQueuedOfGroup(deploymentGroupId);
  if (next === undefined) return;
  e.log.info('starting queued deployment', { deploymentId: next });
  await startDeployment(e, next);
}

/** What one decision about a running deployment reads. */
interface Snapshot {
  deployment: DeploymentRow;
  config: RunConfig | undefined;
  rollout: RolloutSnapshot;
}

/**
 * Everything the rollout decision needs, in one read of the deployment: its row, rollout,
 * per-step counters and configuration; undefined unless it is running.
 */
export async function readSnapshot(e: Engine, deploymentId: string): Promise<Snapshot | undefined> {
  // Among several coordinators only the driver decides, and holding its lease from here on
  // makes two decisions about one deployment take turns, each reading what the other wrote.
  if (!(await e.drives(deploymentId))) return undefined;
  const read = await e.tx.deployments.readForDecision(deploymentId);
  if (!read || read.deployment.status !== 'InProgress') return undefined;
  const { rollout, steps } = read;
  const health = await e.tx.health.getDeploymentHealth(deploymentId);
  const analysis = gateOfAnalysis(health);
  const gates = { paused: rollout.paused, approval: rollout.approval, ...(rollout.bakeUntil === undefined ? {} : { bakeUntil: rollout.bakeUntil }), ...(analysis ? { analysis } : {}) };
  const config = effectiveConfig(read.deployment, builtinConfig(read.deployment.deploymentConfigName) ?? customConfig(read.config), health);
  return { deployment: read.deployment, config, rollout: { kind: rollout.kind, step: rollout.step, steps, gates } };
}

/**
 * Reads where a running deployment stands, lets the rollout policy decide, and applies it.
 * `alarm`: what an alarm poll just read, when it says stop.
 */
export async function advance(e: Engine, deploymentId: string, alarm?: AlarmStop): Promise<void> {
  const snapshot = await readSnapshot(e, deploymentId);
  if (!snapshot) return;
  const d = snapshot.deployment;
  if (!snapshot.config) return fail(e, d, 'INTERNAL_ERROR', unknownConfig(d));
  const decision = decideRollout(alarm ? { ...snapshot.rollout, alarm } : snapshot.rollout, snapshot.config, e.now);
  const blueGreen = await e.tx.traffic.blueGreenOf(deploymentId);
  if (blueGreen) return advanceBlueGreen(e, d, blueGreen, decision, (rollout) => apply(e, d, rollout));
  await apply(e, d, decision);
}

/** Carries out one rollout decision. */
async function apply(e: Engine, d: DeploymentRow, decision: RolloutDecision): Promise<void> {
  if (decision.enter) {
    await e.tx.deployments.enterStep(d.deploymentId, decision.enter);
    if (decision.enter.analysisOf !== undefined) await startAnalysis(e, d, decision.enter.analysisOf);
  }
  switch (decision.action) {
    case 'abort':
    case 'pause':
      return applyHealthAction(e, d, decision);
    case 'start':
      return dispatch(e, d, decision.count);
    case 'wait':
      return;
    case 'stop':
      await e.tx.targets.skipPending(d.deploymentId, iso(e), `Not deployed: the deployment stopped with ${decision.code} before this host's turn.`);
      return fail(e, d, decision.code, decision.message);
    case 'finish':
      return decision.status === 'Failed' ? fail(e, d, decision.code, decision.message) : succeed(e, d);
  }
}

/** When a running host of this deployment is failed if it reports nothing more. */
async function eventDeadline(e: Engine, deploymentId: string): Promise<string> {
  return deadlineAfter(e, (await e.tx.deployments.eventTimeoutOf(deploymentId)) ?? 3600);
}

/**
 * Takes the next `count` Pending hosts (the decision's: its step's first, in planned order): a
 * command to each connected one, WaitingForAgent for the rest.
 */
async function dispatch(e: Engine, d: DeploymentRow, count: number): Promise<void> {
  // What is the same for every host of the batch (one unit of work, one `now`) is read once.
  const spec = await e.tx.deployments.dispatchSpec(d.deploymentId);
  if (!spec) return;
  const { batch, instanceIds } = await e.tx.targets.nextPendingBatch(d.deploymentId, count);
  // The rollout's batches are in-place hosts or a blue/green's replacement (green) hosts.
  const label = (await e.tx.traffic.blueGreenOf(d.deploymentId)) ? 'Green' : undefined;
  const commandWith = commandBuilder(spec.command, (await trafficFieldsOf(e.tx, d.deploymentId, d.deploymentGroupId))(label), await retryStarts(e.tx, d.deploymentId));
  const connected: HostCommand[] = [];
  const offline: string[] = [];
  for (const instanceId of instanceIds) {
    if (e.presence.isConnected(instanceId)) connected.push({ instanceId, commandId: newId('c') });
    else offline.push(instanceId);
  }
  const taken = new Set(await e.tx.targets.markDispatched(d.deploymentId, connected, { at: iso(e), deadline: deadlineAfter(e, spec.eventTimeoutSeconds), batch }));
  for (const h of connected) if (taken.has(h.instanceId)) e.out.push({ instanceId: h.instanceId, command: commandWith(h.commandId, h.instanceId) });
  if (offline.length === 0) return;
  await e.tx.targets.markWaiting(d.deploymentId, offline, { at: iso(e), deadline: inSeconds(e, spec.agentWaitSeconds), batch });
  for (const instanceId of offline) e.log.info('agent offline; host waits for it', { deploymentId: d.deploymentId, instanceId });
}

/**
 * Takes a host that waited for its agent: InProgress with a fresh command id (returned; none when
 * the host was taken meanwhile). The command goes out with the re-sends of unacknowledged
 * commands that follow the agent's hello.
 */
export async function dispatchWaitingHost(e: Engine, deploymentId: string, instanceId: string): Promise<string | undefined> {
  const deadline = await eventDeadline(e, deploymentId);
  const commandId = newId('c');
  const taken = await e.tx.targets.markDispatched(deploymentId, [{ instanceId, commandId }], { at: iso(e), deadline });
  return taken.length === 1 ? commandId : undefined;
}
