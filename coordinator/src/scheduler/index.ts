/**
 * The deployment scheduler: creates, queues, stops and rolls back deployments, picks their
 * hosts, dispatches commands as the rollout policy decides, tracks agent presence and
 * deadlines, and moves deployments to their final status as agent events arrive. Every
 * transition is written before anything is sent: commands and cancels go out only after the
 * unit of work that decided them has committed (see engine.ts).
 */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type {
  AgentEventBody,
  ChangeRolloutRequest,
  CommandBody,
  CoordBodies,
  DeploymentPlan,
  DeploymentSummary,
  DeploymentView,
  ErrorCode,
  RolloutActionResponse,
} from '../../../protocol/src/index.ts';
import type { AfterCommit, AgentEventSink } from '../hub/types.ts';
import type { AgentEventItem } from '../store/deployments/targets.ts';
import type { Store, UnitOfWork } from '../store/store.ts';
import * as commands from './commands.ts';
import { approveDeployment, endBakes, pauseDeployment, resumeDeployment } from './controls.ts';
import { SlicedSender } from './sliced-sender.ts';
import { createDeployment, onEnded, stopDeployment, type NewDeployment, type StopResult } from './create-and-stop.ts';
import type { Engine, Outbound, Presence, TrafficDriver, TrafficOrder } from './engine.ts';
import { autoDeployInstance } from './new-hosts.ts';
import { planDeployment, type PlanQuery } from './plan.ts';
import { recordHealth, type HealthReport } from './health-intake.ts';
import { retryFailed, type RetryOptions } from './retry.ts';
import { rollbackGroup, type RollbackOptions } from './rollback.ts';
import { changeRollout, promoteDeployment } from './rollout-changes.ts';
import { soleDriver, type FencedUnit, type Ownership } from './ownership.ts';
import { agentConnected, expireDeadlines, refuseCommand } from './presence.ts';
import { analysisFailed } from './blue-green.ts';
import { acknowledgeCommands, applyEvents, moveOn } from './intake.ts';
import { reconcile, takeUp, unackedToResend } from './takeover.ts';
import { getDeploymentSummary, getDeploymentView, listDeploymentSummaries, type DeploymentFilter } from './views.ts';

export type { NewDeployment, StopResult } from './create-and-stop.ts';
export type { HealthReport } from './health-intake.ts';
export type { RollbackOptions } from './rollback.ts';
export type { RetryOptions } from './retry.ts';
export type { PlanQuery } from './plan.ts';
export type { FencedUnit, Ownership } from './ownership.ts';

/** How the scheduler reaches agents; the hub implements it. */
export interface CommandSender extends Presence {
  /** Sends the command if the host is connected; false when it is not (it is re-sent on connect). */
  sendCommand(instanceId: string, body: CommandBody): boolean;
  /** Asks a connected agent to abort a deployment; false when it is not connected. */
  sendCancel(instanceId: string, body: CoordBodies['coord.cancel']): boolean;
}

/** Dependencies of the {@link Scheduler}. */
export interface SchedulerDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  hub: CommandSender;
  /** Drives load balancers (traffic/service.ts); attach later with {@link Scheduler.attachTraffic}. */
  traffic?: TrafficDriver;
  /** The leases of this coordinator among several on one store; absent: it drives everything. */
  ownership?: Ownership;
  /** Commands (and cancels, traffic orders) sent between two turns of the event loop. @default 100 (sliced-sender.ts) */
  sendSlice?: number;
}

/** An operator's action takes the deployment over from whichever coordinator drives it. */
const STEAL = { steal: true } as const;
/** Anything else writes only for deployments this coordinator drives, or takes a free one. */
const OWN = { steal: false } as const;

/** Longest single timer; a later deadline is reached by re-arming. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs deployments. One instance per coordinator process. */
export class Scheduler implements AgentEventSink {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly hub: CommandSender;
  private traffic: TrafficDriver | undefined;
  private readonly ownership: Ownership | undefined;
  private timer: TimerHandle | undefined;
  private stopped = false;
  /** What units of work decided, sent in order a slice at a time. */
  private readonly outbox: SlicedSender<Outbound>;

  constructor(deps: SchedulerDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.log = deps.logger.child({ component: 'scheduler' });
    this.hub = deps.hub;
    this.traffic = deps.traffic;
    this.ownership = deps.ownership;
    this.outbox = new SlicedSender((o) => this.sendOne(o), deps.sendSlice);
  }

  /** Connects the traffic service, which carries out the traffic orders of later units of work. */
  attachTraffic(traffic: TrafficDriver): void {
    this.traffic = traffic;
  }

  /**
   * Stores a deployment and starts it, or queues it (`queue`) behind the group's active one.
   * Ends it Failed at once with NO_INSTANCES or HEALTH_CONSTRAINTS_INVALID. Throws CONFLICT when
   * the group is busy and `queue` is not set, VALIDATION_FAILED for an unknown configuration.
   */
  async createDeployment(input: NewDeployment): Promise<string> {
    const id = await this.run((e) => createDeployment(e, input));
    this.log.info('deployment created', { deploymentId: id, deploymentGroupId: input.deploymentGroupId });
    return id;
  }

  /** Stops a queued or running deployment (CodeDeploy's StopDeployment). */
  stopDeployment(deploymentId: string, autoRollbackEnabled?: boolean): Promise<StopResult> {
    return this.run((e) => stopDeployment(e, deploymentId, autoRollbackEnabled), STEAL);
  }

  /** Rolls the group back to its last successful revision by hand; returns the new deployment. */
  rollbackGroup(deploymentGroupId: string, opts: RollbackOptions): Promise<string> {
    return this.run((e) => rollbackGroup(e, deploymentGroupId, opts));
  }

  /** Deploys the revision of an ended deployment again to its failed and skipped hosts; returns the new id. */
  retryFailed(deploymentId: string, opts: RetryOptions): Promise<string> {
    return this.run((e) => retryFailed(e, deploymentId, opts));
  }

  /** Ends the bake and analysis of a running deployment: its next step starts now. */
  promoteDeployment(deploymentId: string, who: string): Promise<RolloutActionResponse> {
    return this.run((e) => promoteDeployment(e, deploymentId, who));
  }

  /** Changes the batch size or bake of a running deployment. */
  changeRollout(deploymentId: string, change: ChangeRolloutRequest, who: string): Promise<RolloutActionResponse> {
    return this.run((e) => changeRollout(e, deploymentId, change, who));
  }

  /**
   * Takes in what the health monitor measured for a running deployment (alarm poll, analysis
   * measurements) and lets the rollout decide: stop, fail, pause or go on.
   */
  recordHealth(deploymentId: string, report: HealthReport): Promise<void> {
    return this.run((e) => recordHealth(e, deploymentId, report));
  }

  /** Pauses a running deployment: running hosts finish, no new host starts. */
  pauseDeployment(deploymentId: string, who: string): Promise<RolloutActionResponse> {
    return this.run((e) => pauseDeployment(e, deploymentId, who), STEAL);
  }

  /** Resumes a paused deployment. */
  resumeDeployment(deploymentId: string, who: string): Promise<RolloutActionResponse> {
    return this.run((e) => resumeDeployment(e, deploymentId, who), STEAL);
  }

  /** Opens the approval gate of a deployment waiting after its first batch. */
  approveDeployment(deploymentId: string, who: string): Promise<RolloutActionResponse> {
    return this.run((e) => approveDeployment(e, deploymentId, who), STEAL);
  }

  /** What a deployment would do, without starting it: the same rollout decision, played forward. */
  planDeployment(query: PlanQuery): Promise<DeploymentPlan> {
    return this.store.read((tx) => planDeployment(tx, query, (id) => this.hub.isConnected(id)));
  }

  /** An instance registered or had its tags changed: deploys its groups' last good revision to it. */
  instanceChanged(instanceId: string): Promise<string[]> {
    return this.run((e) => autoDeployInstance(e, instanceId));
  }

  /**
   * Resumes after a coordinator restart: advances running deployments, gives agents the reconnect
   * grace before any deadline fires (presence.ts), re-sends, re-arms deadlines. Among several
   * coordinators, it only re-arms: deployments are taken up as their leases are ({@link takeOver}).
   */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.ownership) return this.rearm();
    await this.takeOver(undefined);
  }

  /**
   * Takes up deployments this coordinator just came to drive (undefined: every running one,
   * after a restart alone on its store): see takeover.ts. Commands sent before and never
   * acknowledged go out again.
   */
  async takeOver(deploymentIds: readonly string[] | undefined): Promise<void> {
    const outbound = await this.run(async (e) => {
      await takeUp(e, deploymentIds);
      return [...e.out];
    });
    // Those takeUp() just dispatched were already sent.
    const fresh = new Set(outbound.flatMap((o) => ('command' in o ? [o.command.commandId] : [])));
    await this.send(await this.store.read((tx) => unackedToResend(tx, deploymentIds, fresh)));
  }

  /** A deployment this coordinator drives was woken (or its driver's timer came): reconcile.ts. */
  async reconcile(deploymentId: string): Promise<void> {
    await this.run((e) => reconcile(e, deploymentId));
  }

  /** Stops the deadline timer. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.log.debug('scheduler stopped');
  }

  /**
   * Fails hosts whose deadline passed and ends bakes whose time is up (the timer calls this;
   * tests may too). Returns how many hosts and bakes it handled.
   */
  expireDeadlines(): Promise<number> {
    return this.run(async (e) => (await expireDeadlines(e)) + (await endBakes(e)));
  }

  /** {@inheritDoc AgentEventSink.applyAgentEvent} */
  applyAgentEvent(instanceId: string, event: AgentEventBody, tx: UnitOfWork): Promise<AfterCommit> {
    return this.applyAgentEvents([{ instanceId, event }], tx);
  }

  /** {@inheritDoc AgentEventSink.applyAgentEvents} */
  async applyAgentEvents(items: readonly AgentEventItem[], tx: UnitOfWork): Promise<AfterCommit> {
    const unit = this.fence(tx, false);
    const e = this.engine(unit);
    const ended = await applyEvents(e, items);
    // Lifecycle events only move their hosts' deadlines later: the armed timer may fire early,
    // finds nothing expired and re-arms, so re-reading the earliest deadline for them is not
    // needed. An outcome may dispatch hosts or end the deployment: re-arm.
    return () => {
      unit.committed();
      return ended === 0 ? this.send(e.out) : this.afterCommit(e.out);
    };
  }

  /** {@inheritDoc AgentEventSink.acknowledgeCommands} */
  acknowledgeCommands(acks: readonly { instanceId: string; commandId: string }[], tx: UnitOfWork): Promise<void> {
    return acknowledgeCommands(this.engine(soleDriver(tx)), acks);
  }

  /** A traffic operation the deployment waits for ended (the traffic service): its driver moves it on. */
  async trafficSettled(deploymentId: string): Promise<void> {
    await this.run((e) => moveOn(e, deploymentId));
  }

  /** The analysis of hosts traffic moved to failed: a blue/green deployment moves traffic back. */
  async trafficAnalysisFailed(deploymentId: string, message: string): Promise<void> {
    await this.run(async (e) => {
      if (await analysisFailed(e, deploymentId, message)) await moveOn(e, deploymentId);
    });
  }

  /** {@inheritDoc AgentEventSink.agentConnected} */
  async agentConnected(instanceId: string): Promise<void> {
    // Most agents connect with nothing waiting for them: no unit of work, no timer to re-arm.
    if ((await this.store.targets.liveOf(instanceId)).length === 0) return;
    await this.run((e) => agentConnected(e, instanceId));
  }

  /** {@inheritDoc AgentEventSink.commandRefused} */
  async commandRefused(instanceId: string, commandId: string, code: ErrorCode, message: string): Promise<void> {
    // The refusal is reported where the agent is connected: that coordinator takes the deployment over.
    await this.run((e) => refuseCommand(e, instanceId, commandId, code, message), STEAL);
  }

  /** {@inheritDoc AgentEventSink.acknowledgeCommand} */
  async acknowledgeCommand(instanceId: string, commandId: string, tx?: UnitOfWork): Promise<void> {
    if (!(await (tx ?? this.store).targets.acknowledgeCommand(instanceId, commandId))) {
      this.log.info('ack for unknown command', { instanceId, commandId });
    }
  }

  /** {@inheritDoc AgentEventSink.unackedCommands} */
  unackedCommands(instanceId: string): Promise<CommandBody[]> {
    return this.store.read((tx) => commands.unackedCommands(tx, instanceId));
  }

  /** The deployment's view (see views.ts), for the HTTP API. */
  getDeploymentView(deploymentId: string): Promise<DeploymentView | undefined> {
    return getDeploymentView(this.store, deploymentId, this.clock.now());
  }

  /** The deployment without its targets (see views.ts), for the HTTP API. */
  getDeploymentSummary(deploymentId: string): Promise<DeploymentSummary | undefined> {
    return getDeploymentSummary(this.store, deploymentId, this.clock.now());
  }

  /** Deployments matching `filter`, newest first, without their targets (see views.ts), for the HTTP API. */
  listDeploymentSummaries(filter: DeploymentFilter): Promise<DeploymentSummary[]> {
    return listDeploymentSummaries(this.store, filter, this.clock.now());
  }

  private fence(tx: UnitOfWork, steal: boolean): FencedUnit {
    return this.ownership ? this.ownership.begin(tx, { steal }) : soleDriver(tx);
  }

  private engine(unit: FencedUnit): Engine {
    return {
      tx: unit.tx,
      log: this.log,
      presence: this.hub,
      now: this.clock.now(),
      out: [],
      onEnded,
      drives: (id) => unit.drives(id),
      wake: (id) => unit.wake(id),
      among: this.ownership?.owned(),
    };
  }

  /**
   * Runs `work` in one unit of work (fenced, and with `steal` taking over the deployments it
   * writes for), then sends what it decided and re-arms the deadline timer.
   */
  private async run<T>(work: (e: Engine) => Promise<T>, opts: { steal: boolean } = OWN): Promise<T> {
    let out: readonly Outbound[] = [];
    let unit: FencedUnit | undefined;
    const result = await this.store.transaction(async (tx) => {
      unit = this.fence(tx, opts.steal);
      const e = this.engine(unit);
      const value = await work(e);
      out = e.out;
      return value;
    });
    unit?.committed();
    await this.afterCommit(out);
    return result;
  }

  private async afterCommit(out: readonly Outbound[]): Promise<void> {
    await this.send(out);
    await this.rearm();
  }

  /** Points the timer at the earliest stored deadline. */
  private async rearm(): Promise<void> {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || !this.store.open) return;
    const next = await this.store.targets.earliestDeadline(this.ownership?.owned());
    // Another re-arm may have run while this one read the store; the later read wins.
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (next === undefined || this.stopped) return;
    const ms = Math.min(Math.max(0, Date.parse(next) - this.clock.now().getTime()), MAX_TIMER_MS);
    this.timer = this.clock.setTimeout(() => this.onTimer(), ms);
  }

  private onTimer(): void {
    this.timer = undefined;
    // A store closed under a running scheduler (shutdown order, a test) ends its timers.
    if (this.stopped || !this.store.open) return;
    this.expireDeadlines().catch((err: unknown) => {
      this.log.error('expiring deadlines failed', { err });
      this.rearm().catch((again: unknown) => this.log.error('re-arming the deadline timer failed', { err: again }));
    });
  }

  private orderTraffic(order: TrafficOrder): void {
    if (!this.traffic) {
      this.log.warn('no traffic service to carry out a traffic order', { order: order.kind, deploymentId: order.deploymentId });
      return;
    }
    try {
      this.traffic.order(order);
    } catch (err) {
      this.log.error('traffic order failed', { order: order.kind, deploymentId: order.deploymentId, err });
    }
  }

  /** Sends in order, a slice at a time (sliced-sender.ts); resolves once all of `outbound` is sent. */
  private send(outbound: readonly Outbound[]): Promise<void> {
    return this.outbox.send(outbound);
  }

  private sendOne(o: Outbound): void {
    if ('traffic' in o) {
      this.orderTraffic(o.traffic);
      return;
    }
    const what = 'command' in o ? { commandId: o.command.commandId } : { cancel: o.cancel.deploymentId };
    let sent = false;
    try {
      sent = 'command' in o ? this.hub.sendCommand(o.instanceId, o.command) : this.hub.sendCancel(o.instanceId, o.cancel);
    } catch (err) {
      this.log.error('sending to agent failed', { instanceId: o.instanceId, ...what, err });
    }
    if (!sent) this.log.info('agent not connected; it gets this on reconnect', { instanceId: o.instanceId, ...what });
  }

}
