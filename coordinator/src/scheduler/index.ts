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
import type { Store, UnitOfWork } from '../store/store.ts';
import * as commands from './commands.ts';
import { approveDeployment, endBakes, pauseDeployment, resumeDeployment } from './controls.ts';
import { createDeployment, onEnded, stopDeployment, type NewDeployment, type StopResult } from './create-and-stop.ts';
import { deadlineAfter, type Engine, type Outbound, type Presence } from './engine.ts';
import { autoDeployInstance } from './new-hosts.ts';
import { planDeployment, type PlanQuery } from './plan.ts';
import { agentConnected, expireDeadlines, graceAfterRestart, refuseCommand } from './presence.ts';
import { recordHealth, type HealthReport } from './health-intake.ts';
import { retryFailed, type RetryOptions } from './retry.ts';
import { rollbackGroup, type RollbackOptions } from './rollback.ts';
import { advance } from './rollout.ts';
import { changeRollout, promoteDeployment } from './rollout-changes.ts';
import { getDeploymentSummary, getDeploymentView, listDeploymentSummaries, type DeploymentFilter } from './views.ts';

export type { NewDeployment, StopResult } from './create-and-stop.ts';
export type { HealthReport } from './health-intake.ts';
export type { RollbackOptions } from './rollback.ts';
export type { RetryOptions } from './retry.ts';
export type { PlanQuery } from './plan.ts';

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
}

/** Longest single timer; a later deadline is reached by re-arming. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs deployments. One instance per coordinator process. */
export class Scheduler implements AgentEventSink {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly hub: CommandSender;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(deps: SchedulerDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.log = deps.logger.child({ component: 'scheduler' });
    this.hub = deps.hub;
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
    return this.run((e) => stopDeployment(e, deploymentId, autoRollbackEnabled));
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
    return this.run((e) => pauseDeployment(e, deploymentId, who));
  }

  /** Resumes a paused deployment. */
  resumeDeployment(deploymentId: string, who: string): Promise<RolloutActionResponse> {
    return this.run((e) => resumeDeployment(e, deploymentId, who));
  }

  /** Opens the approval gate of a deployment waiting after its first batch. */
  approveDeployment(deploymentId: string, who: string): Promise<RolloutActionResponse> {
    return this.run((e) => approveDeployment(e, deploymentId, who));
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
   * grace before any deadline fires (presence.ts), re-sends, re-arms deadlines.
   */
  async start(): Promise<void> {
    this.stopped = false;
    const outbound = await this.run(async (e) => {
      for (const d of await e.tx.deployments.listByStatus('InProgress')) await advance(e, d.deploymentId);
      await graceAfterRestart(e);
      return [...e.out];
    });
    // Commands dispatched before the restart (and never acked) go out again with their own id;
    // those advance() just dispatched were already sent.
    const fresh = new Set(outbound.flatMap((o) => ('command' in o ? [o.command.commandId] : [])));
    const again = await this.store.read(async (tx) => {
      const out: Outbound[] = [];
      for (const t of await tx.targets.unacked()) {
        if (fresh.has(t.commandId)) continue;
        const command = await commands.buildCommand(tx, t.deploymentId, t.commandId, t.instanceId);
        if (command) out.push({ instanceId: t.instanceId, command });
      }
      return out;
    });
    this.send(again);
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
  async applyAgentEvent(instanceId: string, event: AgentEventBody, tx: UnitOfWork): Promise<AfterCommit> {
    const e = this.engine(tx);
    // A lifecycle event moves its host's deadline out (recorded with the event by the store).
    const result = await tx.targets.recordAgentEvent(instanceId, event, (seconds) => deadlineAfter(e, seconds));
    if (result.kind === 'ignored') {
      this.log.info('agent event ignored', { instanceId, deploymentId: event.deploymentId, seq: event.seq, reason: result.reason });
    } else if (result.kind === 'outcome') {
      this.log.debug('host finished', { instanceId, deploymentId: result.deploymentId, status: result.status });
      await advance(e, result.deploymentId);
    }
    // A lifecycle event only moves its host's deadline later: the armed timer may fire early,
    // finds nothing expired and re-arms, so re-reading the earliest deadline per event (15 per
    // host) is not needed. An outcome may dispatch hosts or end the deployment: re-arm.
    if (result.kind === 'event') return () => this.send(e.out);
    return () => this.afterCommit(e.out);
  }

  /** {@inheritDoc AgentEventSink.agentConnected} */
  async agentConnected(instanceId: string): Promise<void> {
    await this.run((e) => agentConnected(e, instanceId));
  }

  /** {@inheritDoc AgentEventSink.commandRefused} */
  async commandRefused(instanceId: string, commandId: string, code: ErrorCode, message: string): Promise<void> {
    await this.run((e) => refuseCommand(e, instanceId, commandId, code, message));
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

  private engine(tx: UnitOfWork): Engine {
    return { tx, log: this.log, presence: this.hub, now: this.clock.now(), out: [], onEnded };
  }

  /** Runs `work` in one unit of work, then sends what it decided and re-arms the deadline timer. */
  private async run<T>(work: (e: Engine) => Promise<T>): Promise<T> {
    let out: readonly Outbound[] = [];
    const result = await this.store.transaction(async (tx) => {
      const e = this.engine(tx);
      const value = await work(e);
      out = e.out;
      return value;
    });
    await this.afterCommit(out);
    return result;
  }

  private async afterCommit(out: readonly Outbound[]): Promise<void> {
    this.send(out);
    await this.rearm();
  }

  /** Points the timer at the earliest stored deadline. */
  private async rearm(): Promise<void> {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || !this.store.open) return;
    const next = await this.store.targets.earliestDeadline();
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

  private send(outbound: readonly Outbound[]): void {
    for (const o of outbound) {
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
}
