/**
 * The coordinator's traffic service: carries out traffic operations on the groups' load
 * balancers and tells whoever waits. An agent at BlockTraffic or AllowTraffic asks
 * (agent.traffic.request); the operation is recorded as Running, carried out through the
 * group's adapter, and its outcome is stored with where it left the host before the agent gets
 * it (coord.traffic.result). An agent that asks again, after a reconnect or a restart on either
 * side, gets the stored outcome; an operation a coordinator restart interrupted runs again
 * (every step is idempotent on the balancer). Blue/green moves (PrepareGreen, DrainBlue, ...)
 * are ordered by the scheduler, which is told when each ends.
 */
import type { Clock } from '../../../common/src/clock.ts';
import { NginxUpstreams } from '../../../common/src/nginx-upstream.ts';
import type { Logger } from '../../../common/src/logger.ts';
import { EVENT_TEXT_LIMITS, type TrafficControl, type TrafficRequestBody, type TrafficResultBody } from '../../../protocol/src/index.ts';
import type { TrafficSink } from '../hub/index.ts';
import type { MetricsSink } from '../notify/metrics.ts';
import type { TrafficDriver, TrafficOrder } from '../scheduler/engine.ts';
import type { Store } from '../store/store.ts';
import { isBlockOp, type TrafficOp, type TrafficOutcome } from '../store/traffic.ts';
import { healthPassAnalysis, type TrafficAnalysis } from './analysis.ts';
import { remoteNginx, type TrafficApplier } from './nginx-remote.ts';
import { checkTrafficSettings, type TrafficCheckProblem, type TrafficSettings } from './check.ts';
import type { HostBalancerState, TrafficHost, TrafficProvider } from './provider.ts';
import { providerFor } from './providers.ts';
import { allowHost, blockHost, failureOf } from './steps.ts';

/** How the service reaches agents (the hub). */
export interface TrafficHub extends TrafficApplier {
  sendTrafficResult(instanceId: string, body: TrafficResultBody): boolean;
}

/** Dependencies of {@link TrafficService}. */
export interface TrafficServiceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  hub: TrafficHub;
  /** Told when a blue/green move ended (the scheduler advances the deployment). */
  onSettled: (deploymentId: string) => Promise<void>;
  /** Told when the analysis of hosts traffic moved to fails. */
  onAnalysisFailed: (deploymentId: string, message: string) => Promise<void>;
  /** @default healthPassAnalysis */
  analysis?: TrafficAnalysis;
  /** Told of every operation's end (Prometheus). */
  metrics?: Pick<MetricsSink, 'trafficOperation'>;
}

/** The two operations an agent waits for. */
function isAgentOp(op: TrafficOp): op is 'BlockTraffic' | 'AllowTraffic' {
  return op === 'BlockTraffic' || op === 'AllowTraffic';
}

function trim(message: string | undefined): string | undefined {
  return message === undefined ? undefined : message.slice(0, EVENT_TEXT_LIMITS.message);
}

/** Carries out traffic operations. One per coordinator process. */
export class TrafficService implements TrafficSink, TrafficDriver {
  private readonly log: Logger;
  private readonly analysis: TrafficAnalysis;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly watches = new Map<string, () => void>();
  private readonly abort = new AbortController();
  private readonly nginxUpstreams = new NginxUpstreams();

  constructor(private readonly deps: TrafficServiceDeps) {
    this.log = deps.logger.child({ component: 'traffic' });
    this.analysis = deps.analysis ?? healthPassAnalysis(deps.clock);
  }

  /** The adapter of a group's traffic control (undefined for `command`). */
  providerOf(control: TrafficControl): TrafficProvider | undefined {
    return providerFor(control, {
      clock: this.deps.clock,
      remoteNginx: (settings) => remoteNginx(settings, this.deps.store.instances, this.deps.hub),
      nginxUpstreams: this.nginxUpstreams,
    });
  }

  /** The first problem of a group's traffic settings for its current hosts (check.ts), or undefined. */
  check(settings: TrafficSettings, hosts: readonly TrafficHost[]): Promise<TrafficCheckProblem | undefined> {
    return checkTrafficSettings(settings, hosts, (control) => this.providerOf(control));
  }

  /** What the group's balancer says of each host now, or why it cannot tell. */
  async liveStates(control: TrafficControl, hosts: readonly TrafficHost[]): Promise<{ states: Map<string, HostBalancerState>; problem?: string }> {
    const provider = this.providerOf(control);
    if (!provider) return { states: new Map() };
    try {
      return { states: await provider.states(hosts, AbortSignal.timeout(10_000)) };
    } catch (err) {
      return { states: new Map(), problem: err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * Runs the operations a coordinator restart interrupted, and watches again the hosts traffic
   * moved to in blue/green deployments between their steps or in their termination wait (the
   * watch lives in this process: without it, a restart would let traffic stay on failing hosts).
   */
  async resume(): Promise<void> {
    for (const op of await this.deps.store.traffic.runningOps()) {
      this.log.info('traffic operation resumed after a restart', { deploymentId: op.deploymentId, instanceId: op.instanceId, op: op.op });
      this.run(op.deploymentId, op.instanceId, op.op);
    }
    for (const { deploymentId, instanceIds } of await this.movedTo()) {
      this.log.info('watching again the hosts traffic moved to', { deploymentId, hosts: instanceIds.length });
      await this.watch(deploymentId, instanceIds);
    }
  }

  /** Running blue/green deployments whose traffic moved and may still move back, with the replacement hosts it reached. */
  private movedTo(): Promise<{ deploymentId: string; instanceIds: string[] }[]> {
    return this.deps.store.read(async (tx) => {
      const out: { deploymentId: string; instanceIds: string[] }[] = [];
      for (const d of await tx.deployments.listByStatus('InProgress')) {
        const record = await tx.traffic.blueGreenOf(d.deploymentId);
        if (!record?.trafficMoved || (record.phase !== 'switch' && record.phase !== 'wait')) continue;
        const labels = await tx.traffic.labelsOf(d.deploymentId);
        const reached = (await tx.traffic.opsOf(d.deploymentId)).filter((o) => o.op === 'AllowTraffic' && o.status === 'Succeeded' && labels.get(o.instanceId) === 'Green');
        if (reached.length > 0) out.push({ deploymentId: d.deploymentId, instanceIds: reached.map((o) => o.instanceId) });
      }
      return out;
    });
  }

  /** Stops watches and operations (shutdown): Running ones run again after the restart. */
  async close(): Promise<void> {
    for (const stop of this.watches.values()) stop();
    this.watches.clear();
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** {@inheritDoc TrafficSink.trafficRequested} */
  async trafficRequested(instanceId: string, body: TrafficRequestBody): Promise<void> {
    const { deploymentId, commandId, lifecycleEvent: op } = body;
    const fields = { instanceId, deploymentId, lifecycleEvent: op };
    const { target, existing } = await this.deps.store.read(async (tx) => ({
      target: await tx.traffic.targetOf(deploymentId, instanceId),
      existing: await tx.traffic.getOp(deploymentId, instanceId, op),
    }));
    if (!target || target.commandId !== commandId) {
      this.log.info('traffic request for no command of this host; ignored', fields);
      return;
    }
    if (existing && existing.status !== 'Running') {
      this.sendResult(instanceId, deploymentId, commandId, op, existing);
      return;
    }
    if (this.inFlight.has(keyOf(deploymentId, instanceId, op))) return;
    if (!existing && op === 'AllowTraffic' && target.label === 'Green') {
      // A replacement host waits for traffic to move (the scheduler's blue/green switch).
      this.log.info('replacement host ready; AllowTraffic waits for traffic to move', fields);
      return;
    }
    if (!existing) await this.deps.store.traffic.startOp(deploymentId, instanceId, op, this.deps.clock.now().toISOString());
    this.run(deploymentId, instanceId, op);
  }

  /** {@inheritDoc TrafficDriver.order} */
  order(order: TrafficOrder): void {
    switch (order.kind) {
      case 'run':
        this.run(order.deploymentId, order.instanceId, order.op);
        return;
      case 'send':
        void this.sendStored(order.deploymentId, order.instanceId, order.op).catch((err: unknown) => this.log.error('sending a traffic result failed', { deploymentId: order.deploymentId, err }));
        return;
      case 'watch':
        void this.watch(order.deploymentId, order.instanceIds).catch((err: unknown) => this.log.error('starting the traffic analysis failed', { deploymentId: order.deploymentId, err }));
        return;
      case 'unwatch':
        this.watches.get(order.deploymentId)?.();
        this.watches.delete(order.deploymentId);
        return;
    }
  }

  /** Carries out a Running operation once (a second call while it runs does nothing). */
  private run(deploymentId: string, instanceId: string, op: TrafficOp): void {
    const key = keyOf(deploymentId, instanceId, op);
    if (this.inFlight.has(key)) return;
    const running = this.perform(deploymentId, instanceId, op)
      .catch((err: unknown) => {
        if (!this.abort.signal.aborted) this.log.error('traffic operation failed unexpectedly', { deploymentId, instanceId, op, err });
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, running);
  }

  private async perform(deploymentId: string, instanceId: string, op: TrafficOp): Promise<void> {
    const log = this.log.child({ deploymentId, instanceId, op });
    const started = this.deps.clock.monotonicMs();
    log.info('traffic operation started');
    const read = await this.deps.store.read(async (tx) => {
      const target = await tx.traffic.targetOf(deploymentId, instanceId);
      const instance = await tx.instances.get(instanceId);
      const group = target && (await tx.traffic.groupTraffic(target.deploymentGroupId));
      return { target, instance, control: group?.trafficControl };
    });
    let outcome: TrafficOutcome;
    if (!read.target) return;
    const host: TrafficHost = { instanceId, hostname: read.instance?.hostname ?? instanceId, tags: read.instance?.tags ?? {} };
    const provider = read.control && this.providerOf(read.control);
    if (!read.control || !provider) {
      outcome = { status: 'Failed', errorCode: 'MISSING_ELB_INFORMATION', message: read.control ? `the ${read.control.provider} provider runs on each host, not on the coordinator` : 'the deployment group has no traffic control' };
    } else {
      outcome = await this.step(provider, read.control, host, op).catch((err: unknown) => {
        if (this.abort.signal.aborted) throw err;
        return failureOf(err);
      });
    }
    outcome = { ...outcome, ...(outcome.message === undefined ? {} : { message: trim(outcome.message) ?? '' }) };
    const at = this.deps.clock.now().toISOString();
    await this.deps.store.transaction(async (tx) => {
      await tx.traffic.finishOp(deploymentId, instanceId, op, outcome, at);
      await tx.traffic.setHostState({
        deploymentGroupId: read.target?.deploymentGroupId ?? '',
        instanceId,
        state: outcome.status !== 'Succeeded' ? 'unknown' : isBlockOp(op) ? 'out' : 'serving',
        ...(outcome.message === undefined ? {} : { detail: outcome.message }),
        deploymentId,
        updatedAt: at,
      });
    });
    const ms = Math.round(this.deps.clock.monotonicMs() - started);
    log.info('traffic operation finished', { status: outcome.status, errorCode: outcome.errorCode, ms });
    this.deps.metrics?.trafficOperation(op, outcome.status, ms / 1000);
    if (isAgentOp(op) && read.target.commandId !== undefined) this.sendResult(instanceId, deploymentId, read.target.commandId, op, outcome);
    if (!isAgentOp(op)) await this.deps.onSettled(deploymentId);
  }

  private step(provider: TrafficProvider, control: TrafficControl, host: TrafficHost, op: TrafficOp): Promise<TrafficOutcome> {
    const signal = this.abort.signal;
    return isBlockOp(op) ? blockHost(provider, host, signal) : allowHost(provider, host, control, this.deps.clock, signal);
  }

  private async sendStored(deploymentId: string, instanceId: string, op: 'BlockTraffic' | 'AllowTraffic'): Promise<void> {
    const { target, stored } = await this.deps.store.read(async (tx) => ({
      target: await tx.traffic.targetOf(deploymentId, instanceId),
      stored: await tx.traffic.getOp(deploymentId, instanceId, op),
    }));
    if (target?.commandId === undefined || !stored || stored.status === 'Running') return;
    this.sendResult(instanceId, deploymentId, target.commandId, op, stored);
  }

  private sendResult(instanceId: string, deploymentId: string, commandId: string, op: 'BlockTraffic' | 'AllowTraffic', outcome: { status: string; errorCode?: TrafficOutcome['errorCode']; message?: string }): void {
    const status = outcome.status === 'Running' ? undefined : (outcome.status as TrafficResultBody['status']);
    if (status === undefined) return;
    const body: TrafficResultBody = { deploymentId, commandId, lifecycleEvent: op, status };
    if (outcome.errorCode !== undefined) body.errorCode = outcome.errorCode;
    const message = trim(outcome.message);
    if (message !== undefined) body.message = message;
    // Not connected: the agent asks again once it is, and gets the stored outcome then.
    if (!this.deps.hub.sendTrafficResult(instanceId, body)) this.log.info('agent not connected; it gets the traffic result when it asks again', { instanceId, deploymentId, op });
  }

  private async watch(deploymentId: string, instanceIds: readonly string[]): Promise<void> {
    this.watches.get(deploymentId)?.();
    this.watches.delete(deploymentId);
    const read = await this.deps.store.read(async (tx) => {
      const d = await tx.deployments.get(deploymentId);
      const group = d && (await tx.traffic.groupTraffic(d.deploymentGroupId));
      const hosts: TrafficHost[] = [];
      for (const id of instanceIds) {
        const i = await tx.instances.get(id);
        if (i) hosts.push({ instanceId: id, hostname: i.hostname, tags: i.tags });
      }
      return { control: group?.trafficControl, hosts };
    });
    const provider = read.control && this.providerOf(read.control);
    if (!read.control || !provider || read.hosts.length === 0) return;
    const input = { deploymentId, hosts: read.hosts, provider, healthIntervalSeconds: read.control.healthIntervalSeconds, healthyPasses: read.control.healthyPasses };
    const stop = this.analysis.watch(input, (message) => {
      this.watches.delete(deploymentId);
      this.log.warn('traffic analysis failed', { deploymentId, message });
      void this.deps.onAnalysisFailed(deploymentId, message).catch((err: unknown) => this.log.error('reporting a failed analysis failed', { deploymentId, err }));
    });
    this.watches.set(deploymentId, stop);
  }
}

function keyOf(deploymentId: string, instanceId: string, op: TrafficOp): string {
  return `${deploymentId}/${instanceId}/${op}`;
}
