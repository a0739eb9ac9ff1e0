/**
 * The deployment scheduler: creates, queues, stops and rolls back deployments, picks their
 * hosts, dispatches commands as the minimum-healthy-hosts rule allows, tracks agent presence
 * and deadlines, and moves deployments to their final status as agent events arrive. Every
 * transition is written before anything is sent: commands and cancels go out only after the
 * transaction that decided them has committed (see engine.ts).
 */
import type { Db } from '../store/db.ts';
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { AgentEventBody, CommandBody, CoordBodies, DeploymentPlan, DeploymentSummary, DeploymentView, RolloutActionResponse } from '../../../protocol/src/index.ts';
import type { AfterCommit, AgentEventSink } from '../hub/types.ts';
import { inTransaction, joinTransaction } from '../store/statements.ts';
import { recordAgentEvent } from './intake.ts';
import * as commands from './commands.ts';
import { approveDeployment, endBakes, pauseDeployment, resumeDeployment } from './controls.ts';
import { advance, deadlineAfter, type Engine, type Outbound, type Presence } from './engine.ts';
import { createDeployment, onEnded, stopDeployment, type NewDeployment, type StopResult } from './lifecycle.ts';
import { autoDeployInstance } from './new-hosts.ts';
import { planDeployment, type PlanQuery } from './plan.ts';
import { agentConnected, expireDeadlines, graceAfterRestart } from './presence.ts';
import * as repo from './repo.ts';
import { rollbackGroup } from './rollback.ts';
import { earliestDeadline, unackedTargets } from './target-rows.ts';
import { getDeploymentView, listDeploymentSummaries, type DeploymentFilter } from './views.ts';

export type { NewDeployment, StopResult } from './lifecycle.ts';
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
  db: Db;
  clock: Clock;
  logger: Logger;
  hub: CommandSender;
}

/** Longest single timer; a later deadline is reached by re-arming. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs deployments. One instance per coordinator process. */
export class Scheduler implements AgentEventSink {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly hub: CommandSender;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(deps: SchedulerDeps) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.log = deps.logger.child({ component: 'scheduler' });
    this.hub = deps.hub;
  }

  /**
   * Stores a deployment and starts it, or queues it (`queue`) behind the group's active one.
   * Ends it Failed at once with NO_INSTANCES or HEALTH_CONSTRAINTS_INVALID. Throws CONFLICT when
   * the group is busy and `queue` is not set, VALIDATION_FAILED for an unknown configuration.
   */
  createDeployment(input: NewDeployment): string {
    const id = this.run((e) => createDeployment(e, input));
    this.log.info('deployment created', { deploymentId: id, deploymentGroupId: input.deploymentGroupId });
    return id;
  }

  /** Stops a queued or running deployment (CodeDeploy's StopDeployment). */
  stopDeployment(deploymentId: string, autoRollbackEnabled?: boolean): StopResult {
    return this.run((e) => stopDeployment(e, deploymentId, autoRollbackEnabled));
  }

  /** Rolls the group back to its last successful revision by hand; returns the new deployment. */
  rollbackGroup(deploymentGroupId: string, opts: { queue: boolean; who: string; description?: string }): string {
    return this.run((e) => rollbackGroup(e, deploymentGroupId, opts));
  }

  /** Pauses a running deployment: running hosts finish, no new host starts. */
  pauseDeployment(deploymentId: string, who: string): RolloutActionResponse {
    return this.run((e) => pauseDeployment(e, deploymentId, who));
  }

  /** Resumes a paused deployment. */
  resumeDeployment(deploymentId: string, who: string): RolloutActionResponse {
    return this.run((e) => resumeDeployment(e, deploymentId, who));
  }

  /** Opens the approval gate of a deployment waiting after its first batch. */
  approveDeployment(deploymentId: string, who: string): RolloutActionResponse {
    return this.run((e) => approveDeployment(e, deploymentId, who));
  }

  /** What a deployment would do, without starting it. */
  planDeployment(query: PlanQuery): DeploymentPlan {
    return planDeployment(this.db, query, (id) => this.hub.isConnected(id));
  }

  /** An instance registered or had its tags changed: deploys its groups' last good revision to it. */
  instanceChanged(instanceId: string): string[] {
    return this.run((e) => autoDeployInstance(e, instanceId));
  }

  /**
   * Resumes after a coordinator restart: advances running deployments, gives agents the reconnect
   * grace before any deadline fires (presence.ts), re-sends, re-arms deadlines.
   */
  start(): void {
    this.stopped = false;
    const outbound = this.run((e) => {
      for (const d of repo.listDeploymentsByStatus(this.db, 'InProgress')) advance(e, d.deploymentId);
      graceAfterRestart(e);
      return [...e.out];
    });
    // Commands dispatched before the restart (and never acked) go out again with their own id;
    // those advance() just dispatched were already sent.
    const fresh = new Set(outbound.flatMap((o) => ('command' in o ? [o.command.commandId] : [])));
    const again: Outbound[] = [];
    for (const t of unackedTargets(this.db)) {
      if (fresh.has(t.commandId)) continue;
      const command = commands.buildCommand(this.db, t.deploymentId, t.commandId);
      if (command) again.push({ instanceId: t.instanceId, command });
    }
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
  expireDeadlines(): number {
    return this.run((e) => expireDeadlines(e) + endBakes(e));
  }

  /** {@inheritDoc AgentEventSink.applyAgentEvent} */
  applyAgentEvent(instanceId: string, event: AgentEventBody): AfterCommit {
    const e = this.engine();
    // The hub calls this inside its own transaction (or savepoint) around this event alone.
    const kind = joinTransaction(this.db, () => {
      // A lifecycle event moves its host's deadline out (recorded with the event, intake.ts).
      const result = recordAgentEvent(this.db, instanceId, event, (seconds) => deadlineAfter(e, seconds));
      if (result.kind === 'ignored') {
        this.log.info('agent event ignored', { instanceId, deploymentId: event.deploymentId, seq: event.seq, reason: result.reason });
      } else if (result.kind === 'outcome') {
        this.log.debug('host finished', { instanceId, deploymentId: result.deploymentId, status: result.status });
        advance(e, result.deploymentId);
      }
      return result.kind;
    });
    // A lifecycle event only moves its host's deadline later: the armed timer may fire early,
    // finds nothing expired and re-arms, so re-reading the earliest deadline per event (15 per
    // host) is not needed. An outcome may dispatch hosts or end the deployment: re-arm.
    if (kind === 'event') return () => this.send(e.out);
    return () => this.afterCommit(e.out);
  }

  /** {@inheritDoc AgentEventSink.agentConnected} */
  agentConnected(instanceId: string): void {
    this.run((e) => agentConnected(e, instanceId));
  }

  /** {@inheritDoc AgentEventSink.acknowledgeCommand} */
  acknowledgeCommand(instanceId: string, commandId: string): void {
    if (!commands.acknowledgeCommand(this.db, instanceId, commandId)) {
      this.log.info('ack for unknown command', { instanceId, commandId });
    }
  }

  /** {@inheritDoc AgentEventSink.unackedCommands} */
  unackedCommands(instanceId: string): CommandBody[] {
    return commands.unackedCommands(this.db, instanceId);
  }

  /** The deployment's view (see views.ts), for the HTTP API. */
  getDeploymentView(deploymentId: string): DeploymentView | undefined {
    return getDeploymentView(this.db, deploymentId, this.clock.now());
  }

  /** Deployments matching `filter`, newest first, without their targets (see views.ts), for the HTTP API. */
  listDeploymentSummaries(filter: DeploymentFilter): DeploymentSummary[] {
    return listDeploymentSummaries(this.db, filter, this.clock.now());
  }

  private engine(): Engine {
    return { db: this.db, log: this.log, presence: this.hub, now: this.clock.now(), out: [], onEnded };
  }

  /** Runs `work` in one transaction, then sends what it decided and re-arms the deadline timer. */
  private run<T>(work: (e: Engine) => T): T {
    const e = this.engine();
    const result = inTransaction(this.db, () => work(e));
    this.afterCommit(e.out);
    return result;
  }

  private afterCommit(out: readonly Outbound[]): void {
    this.send(out);
    this.rearm();
  }

  /** Points the timer at the earliest stored deadline. */
  private rearm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const next = earliestDeadline(this.db);
    if (next === undefined) return;
    const ms = Math.min(Math.max(0, Date.parse(next) - this.clock.now().getTime()), MAX_TIMER_MS);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      // A store closed under a running scheduler (shutdown order, a test) ends its timers.
      if (this.stopped || !this.db.open) return;
      try {
        this.expireDeadlines();
      } catch (err) {
        this.log.error('expiring deadlines failed', { err });
        this.rearm();
      }
    }, ms);
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
