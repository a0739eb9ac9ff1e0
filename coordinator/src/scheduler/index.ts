/**
 * The deployment scheduler: creates deployments, picks their hosts, dispatches commands as the
 * minimum-healthy-hosts rule allows, and moves deployments to their final status as agent
 * events arrive. Every transition is written before any command is sent; commands go out only
 * after the transaction that decided them has committed.
 */
import type { Db } from '../store/db.ts';
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import { newId } from '../../../common/src/ids.ts';
import {
  DeckhandError,
  type AgentEventBody,
  type CommandBody,
  type DeploymentView,
  type FileExistsBehavior,
} from '../../../protocol/src/index.ts';
import type { AfterCommit, AgentEventSink } from '../hub/types.ts';
import { checkStartable, decide, minimumHealthyCount, minimumHealthyHostsFor } from './health.ts';
import { selectByTags } from './tag-filters.ts';
import { recordAgentEvent } from './intake.ts';
import { listInstances } from '../store/instances.ts';
import * as repo from './repo.ts';
import * as commands from './commands.ts';
import { getDeploymentView, listDeploymentViews, type DeploymentFilter } from './views.ts';

/** How the scheduler reaches agents; the hub implements it. */
export interface CommandSender {
  /** Sends the command if the host is connected; false when it is not (it is re-sent on connect). */
  sendCommand(instanceId: string, body: CommandBody): boolean;
}

/** A deployment as the API asks for it, already validated and resolved to ids. */
export interface NewDeployment {
  applicationId: string;
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  fileExistsBehavior: FileExistsBehavior;
  ignoreApplicationStopFailures: boolean;
  parameters: Record<string, string>;
  description?: string;
  creator: string;
}

/** Dependencies of the {@link Scheduler}. */
export interface SchedulerDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  hub: CommandSender;
}

interface Outbound {
  instanceId: string;
  command: CommandBody;
}

/** Runs deployments. One instance per coordinator process. */
export class Scheduler implements AgentEventSink {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly hub: CommandSender;

  constructor(deps: SchedulerDeps) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.log = deps.logger.child({ component: 'scheduler' });
    this.hub = deps.hub;
  }

  /**
   * Stores a deployment, resolves its hosts and starts dispatching. Ends it Failed at once with
   * NO_INSTANCES or HEALTH_CONSTRAINTS_INVALID. Throws CONFLICT when the group already has an
   * active deployment, VALIDATION_FAILED for an unknown deployment configuration.
   */
  createDeployment(input: NewDeployment): string {
    const rule = minimumHealthyHostsFor(input.deploymentConfigName);
    if (!rule) {
      throw new DeckhandError('VALIDATION_FAILED', `unknown deployment configuration "${input.deploymentConfigName}"`);
    }
    const deploymentId = newId('d');
    const outbound = this.db.transaction((): Outbound[] => {
      const active = repo.activeDeploymentOfGroup(this.db, input.deploymentGroupId);
      if (active) {
        throw new DeckhandError('CONFLICT', `deployment group already has an active deployment (${active})`, {
          details: { deploymentId: active },
        });
      }
      const now = this.nowIso();
      repo.insertDeployment(this.db, { ...input, deploymentId, createdAt: now });
      const hosts = selectByTags(listInstances(this.db), repo.groupTagFilters(this.db, input.deploymentGroupId));
      repo.insertTargets(this.db, deploymentId, hosts.map((h) => h.instanceId));
      const problem = checkStartable(hosts.length, minimumHealthyCount(rule, hosts.length));
      if (problem) {
        repo.markCompleted(this.db, deploymentId, 'Failed', now, problem);
        this.log.warn('deployment cannot start', { deploymentId, errorCode: problem.code, hosts: hosts.length });
        return [];
      }
      repo.markStarted(this.db, deploymentId, now);
      return this.advance(deploymentId);
    })();
    this.log.info('deployment created', { deploymentId, deploymentGroupId: input.deploymentGroupId });
    this.send(outbound);
    return deploymentId;
  }

  /** Resumes every in-progress deployment after a coordinator restart; idempotent. */
  start(): void {
    const outbound = this.db.transaction((): Outbound[] => {
      const out: Outbound[] = [];
      for (const d of repo.listDeploymentsByStatus(this.db, 'InProgress')) out.push(...this.advance(d.deploymentId));
      return out;
    })();
    // Commands dispatched before the restart (and never acked) go out again with their own id;
    // those advance() just dispatched are already in `outbound`.
    const fresh = new Set(outbound.map((o) => o.command.commandId));
    for (const t of repo.unackedTargets(this.db)) {
      if (fresh.has(t.commandId)) continue;
      const command = commands.buildCommand(this.db, t.deploymentId, t.commandId);
      if (command) outbound.push({ instanceId: t.instanceId, command });
    }
    this.send(outbound);
  }

  /** Stops the scheduler's timers. There are none yet: deadlines are a later issue. */
  stop(): void {
    this.log.debug('scheduler stopped');
  }

  /** {@inheritDoc AgentEventSink.applyAgentEvent} */
  applyAgentEvent(instanceId: string, event: AgentEventBody): AfterCommit {
    const outbound = this.db.transaction((): Outbound[] => {
      const result = recordAgentEvent(this.db, instanceId, event);
      if (result.kind === 'ignored') {
        this.log.info('agent event ignored', { instanceId, deploymentId: event.deploymentId, seq: event.seq, reason: result.reason });
        return [];
      }
      if (result.kind === 'event') return [];
      this.log.info('host finished', { instanceId, deploymentId: result.deploymentId, status: result.status });
      return this.advance(result.deploymentId);
    })();
    return () => this.send(outbound);
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
    return getDeploymentView(this.db, deploymentId);
  }

  /** Deployments matching `filter`, newest first (see views.ts), for the HTTP API. */
  listDeploymentViews(filter: DeploymentFilter): DeploymentView[] {
    return listDeploymentViews(this.db, filter);
  }

  /** One step of the batching loop; runs inside a transaction and returns commands to send. */
  private advance(deploymentId: string): Outbound[] {
    const d = repo.getDeployment(this.db, deploymentId);
    if (!d || d.status !== 'InProgress') return [];
    const rule = minimumHealthyHostsFor(d.deploymentConfigName);
    const now = this.nowIso();
    if (!rule) {
      repo.markCompleted(this.db, deploymentId, 'Failed', now, {
        code: 'INTERNAL_ERROR',
        message: `unknown deployment configuration "${d.deploymentConfigName}"`,
      });
      return [];
    }
    const progress = repo.progressOf(this.db, deploymentId);
    const decision = decide(progress, minimumHealthyCount(rule, progress.total));
    switch (decision.action) {
      case 'start':
        return this.dispatch(d, decision.count, now);
      case 'wait':
        return [];
      case 'stop':
        repo.skipPendingTargets(this.db, deploymentId, now);
        repo.markCompleted(this.db, deploymentId, 'Failed', now, { code: 'HEALTH_CONSTRAINTS', message: decision.message });
        this.log.warn('deployment stopped', { deploymentId, errorCode: 'HEALTH_CONSTRAINTS', ...progress });
        return [];
      case 'finish':
        this.finish(d, decision, now);
        return [];
    }
  }

  private finish(d: repo.DeploymentRow, decision: { status: 'Succeeded' | 'Failed'; message?: string }, now: string): void {
    if (decision.status === 'Succeeded') {
      repo.markCompleted(this.db, d.deploymentId, 'Succeeded', now);
      repo.markGroupSuccess(this.db, d.deploymentGroupId, d.deploymentId);
    } else {
      repo.markCompleted(this.db, d.deploymentId, 'Failed', now, {
        code: 'HEALTH_CONSTRAINTS',
        message: decision.message ?? 'too many instances failed',
      });
    }
    this.log.info('deployment finished', { deploymentId: d.deploymentId, status: decision.status });
  }

  private dispatch(d: repo.DeploymentRow, count: number, now: string): Outbound[] {
    const template = commands.buildCommand(this.db, d.deploymentId, 'c-PLACEHOLDER');
    if (!template) return [];
    const batch = repo.nextBatch(this.db, d.deploymentId);
    return repo.nextPendingTargets(this.db, d.deploymentId, count).map((instanceId) => {
      const commandId = newId('c');
      repo.markDispatched(this.db, d.deploymentId, instanceId, commandId, batch, now);
      return { instanceId, command: { ...template, commandId } };
    });
  }

  private send(outbound: readonly Outbound[]): void {
    for (const { instanceId, command } of outbound) {
      let sent = false;
      try {
        sent = this.hub.sendCommand(instanceId, command);
      } catch (err) {
        this.log.error('sending command failed', { instanceId, commandId: command.commandId, err });
      }
      if (!sent) this.log.info('agent not connected; command waits for its reconnect', { instanceId, commandId: command.commandId });
    }
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }
}
