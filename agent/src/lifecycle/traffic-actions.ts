/**
 * BlockTraffic and AllowTraffic on this host, and Retire. The two traffic events are done by
 * whoever drives the load balancer: the coordinator (the agent asks it and waits for its
 * answer, which it journals as the event's outcome like any other) or, with the `command`
 * provider, this agent, running the group's block/allow scripts with the hook runner's rules.
 * Retire runs the Retire scripts of the host's last successful revision (a blue host leaving).
 */
import path from 'node:path';
import { sleep } from '../../../common/src/clock.ts';
import { isTrafficEvent, RETIRE_EVENT } from '../../../protocol/src/lifecycle-events.ts';
import type { TrafficSpec } from '../../../protocol/src/traffic-wire.ts';
import type { HookScript } from '../appspec/types.ts';
import type { DeploymentContext } from './context.ts';
import { previousRevisionScripts, runHookScripts, type ActionOutcome, type EventAction } from './event-actions.ts';
import type { EventName } from './transitions.ts';

type AgentTraffic = Extract<TrafficSpec, { runBy: 'agent' }>;

/** The action of a traffic event or Retire; undefined for every other event. */
export function trafficActionFor(ctx: DeploymentContext, event: EventName): EventAction | undefined {
  if (event === RETIRE_EVENT) return previousRevisionScripts;
  if (!isTrafficEvent(event)) return undefined;
  const traffic = ctx.spec.traffic;
  if (traffic === undefined) return noTrafficControl;
  return traffic.runBy === 'agent' ? agentScripts(traffic) : askCoordinator;
}

const noTrafficControl: EventAction = async (_ctx, event) => ({
  status: 'Skipped',
  message: `${event} runs only when the deployment group has traffic control (a load balancer), and this one has none`,
});

/** The coordinator drives the balancer: ask it, and wait (across reconnects) for its result. */
const askCoordinator: EventAction = async (ctx, event) => {
  const traffic = ctx.deps.traffic;
  if (traffic === undefined || !isTrafficEvent(event)) {
    return { status: 'Failed', errorCode: 'UnknownError', message: `${event} needs the coordinator that drives the load balancer, and this run has none` };
  }
  const both = AbortSignal.any([ctx.signal, ctx.detach]);
  try {
    const result = await traffic.perform({ deploymentId: ctx.spec.deploymentId, commandId: ctx.commandId, lifecycleEvent: event }, both);
    const outcome: ActionOutcome = { status: result.status };
    if (result.errorCode !== undefined) outcome.errorCode = result.errorCode;
    if (result.message !== undefined) outcome.message = result.message;
    if (result.status === 'Failed' && outcome.errorCode === undefined) outcome.errorCode = 'UnknownError';
    return outcome;
  } catch (err) {
    // The agent is stopping: the event stays InProgress and the next agent asks again.
    if (ctx.detach.aborted) return { status: 'Failed', detached: true };
    if (ctx.signal.aborted) return { status: 'Failed', errorCode: 'UnknownError', message: `the deployment was stopped while waiting for ${event}` };
    throw err;
  }
};

/** A script of the group (an absolute path on this host) as the hook runner takes one. */
function hostScript(file: string, traffic: AgentTraffic): { dir: string; scripts: HookScript[] } {
  const script: HookScript = { location: path.basename(file), timeoutSeconds: traffic.timeoutSeconds };
  if (traffic.runas !== undefined) script.runas = traffic.runas;
  return { dir: path.dirname(file), scripts: [script] };
}

function runHostScript(ctx: DeploymentContext, event: string, file: string, traffic: AgentTraffic): Promise<ActionOutcome> {
  const { dir, scripts } = hostScript(file, traffic);
  return runHookScripts(ctx, event, dir, scripts);
}

/** A check failure that running it again cannot fix. */
const HOPELESS = new Set(['ScriptMissing', 'ScriptNotExecutable', 'ScriptOutsideRevision']);

/** Provider `command`: the block or allow script, then (allow) the check until it passes enough times in a row. */
function agentScripts(traffic: AgentTraffic): EventAction {
  return async (ctx, event) => {
    const outcome = await runHostScript(ctx, event, event === 'BlockTraffic' ? traffic.block : traffic.allow, traffic);
    if (event === 'BlockTraffic' || outcome.status !== 'Succeeded' || outcome.detached || traffic.check === undefined) return outcome;
    return checkUntilHealthy(ctx, event, traffic.check, traffic);
  };
}

async function checkUntilHealthy(ctx: DeploymentContext, event: string, check: string, traffic: AgentTraffic): Promise<ActionOutcome> {
  const { clock } = ctx.deps;
  const deadline = clock.monotonicMs() + traffic.allowTimeoutSeconds * 1000;
  let passes = 0;
  let last: ActionOutcome = { status: 'Succeeded' };
  for (;;) {
    last = await runHostScript(ctx, event, check, traffic);
    if (last.detached) return last;
    if (last.status === 'Failed' && last.errorCode !== undefined && HOPELESS.has(last.errorCode)) return last;
    passes = last.status === 'Succeeded' ? passes + 1 : 0;
    if (passes >= traffic.healthyPasses) {
      return { status: 'Succeeded', message: `${check} passed ${passes} time(s) in a row` };
    }
    if (clock.monotonicMs() + traffic.healthIntervalSeconds * 1000 > deadline) break;
    try {
      await sleep(clock, traffic.healthIntervalSeconds * 1000, AbortSignal.any([ctx.signal, ctx.detach]));
    } catch {
      // Stopped or detaching while waiting between two checks: the check's last outcome stands.
      return ctx.detach.aborted ? { status: 'Failed', detached: true } : { status: 'Failed', errorCode: 'UnknownError', message: `the deployment was stopped during ${event}` };
    }
  }
  const outcome: ActionOutcome = {
    status: 'Failed',
    errorCode: 'CUSTOMER_APPLICATION_UNHEALTHY',
    message: `${check} did not pass ${traffic.healthyPasses} time(s) in a row within ${traffic.allowTimeoutSeconds} s (last: ${last.message ?? last.status})`,
  };
  if (last.logTail !== undefined) outcome.logTail = last.logTail;
  return outcome;
}
