/**
 * The per-host rows of deployments: one target per host of a deployment and one lifecycle
 * event row per in-place event of each, with the command sent, its acknowledgement, the
 * deadline the scheduler holds the host to, and what the agent reported (exactly once).
 */
import type { AgentEventBody, ErrorCode, InstanceStatus } from '../../../../protocol/src/index.ts';

/** One target as the deadline and presence logic sees it. */
export interface LiveTarget {
  deploymentId: string;
  instanceId: string;
  status: 'InProgress' | 'WaitingForAgent';
  commandId: string | null;
  deploymentStatus: string;
}

/** A command sent to a host and not acknowledged yet. */
export interface UnackedCommand {
  instanceId: string;
  deploymentId: string;
  commandId: string;
}

/** What recording an agent event changed. */
export type IntakeResult =
  | { kind: 'ignored'; reason: string }
  | { kind: 'event' }
  | { kind: 'outcome'; deploymentId: string; status: InstanceStatus };

/**
 * An agent event as the hub passes it on: `at` within the coordinator's allowed clock skew
 * (hub/agent-time.ts), and `agentAt` the host's own time when it lay outside and was clamped.
 */
export type ReceivedAgentEvent = AgentEventBody & { agentAt?: string };

/** One agent event of a burst, and the host it came from. */
export interface AgentEventItem {
  instanceId: string;
  event: ReceivedAgentEvent;
}

/** A running host's new deadline, from its group's event timeout in seconds. */
export type DeadlineAfter = (eventTimeoutSeconds: number) => string;

/** One finished target of a group's deployment, oldest deployment first. */
export interface HostOutcome {
  instanceId: string;
  status: 'Succeeded' | 'Failed';
  revisionId: string;
}

/** A host taken with the command it is sent. */
export interface HostCommand {
  instanceId: string;
  commandId: string;
}

/** The hosts the next batch takes, and its number. */
export interface PendingBatch {
  /** 1 for the deployment's first batch. */
  batch: number;
  instanceIds: string[];
}

/** Taking hosts: when, until when they may stay silent, and (first dispatch) their batch number. */
export interface Dispatch {
  at: string;
  deadline: string;
  /** Undefined: the host keeps the batch it was taken in. */
  batch?: number;
}

/** Reads and writes deployment targets and their lifecycle events. */
export interface TargetRepository {
  /** Adds the hosts as Pending targets in this order, each with one Pending row per lifecycle event an agent runs (AGENT_EVENT_ORDER). */
  insert(deploymentId: string, instanceIds: readonly string[]): Promise<void>;
  /** The next batch of the deployment: its number and the first `count` Pending targets, in position order. */
  nextPendingBatch(deploymentId: string, count: number): Promise<PendingBatch>;
  /**
   * Takes Pending or WaitingForAgent targets: InProgress, each with its command id, until the
   * deadline. Returns the hosts it took (a host already taken is left as it is): only they get
   * their command.
   */
  markDispatched(deploymentId: string, hosts: readonly HostCommand[], dispatch: Dispatch): Promise<string[]>;
  /** Takes Pending targets whose agent is offline: WaitingForAgent until the deadline. */
  markWaiting(deploymentId: string, instanceIds: readonly string[], dispatch: Dispatch): Promise<void>;
  /** Skips every target still Pending or WaitingForAgent, and their events; `reason` is each skipped host's message. */
  skipPending(deploymentId: string, at: string, reason: string): Promise<void>;
  /**
   * Ends a target the scheduler gave up on: Failed with `code`; its running event becomes
   * Unknown (we never heard how it ended) and the events it never reached Skipped.
   */
  fail(target: { deploymentId: string; instanceId: string }, code: ErrorCode, message: string, at: string): Promise<void>;
  /**
   * Applies one agent event from `instanceId`: its lifecycle event row (moving the host's
   * deadline to `deadlineAfter(group's event timeout)`), or its final outcome. Events for a
   * command this host was never sent, or after its outcome is final, are ignored.
   */
  recordAgentEvent(instanceId: string, event: ReceivedAgentEvent, deadlineAfter: DeadlineAfter): Promise<IntakeResult>;
  /**
   * Applies a burst of agent events, in order, exactly as {@link recordAgentEvent} applies each
   * one; returns one result per event. PostgreSQL applies a burst in a few statements whatever
   * its size.
   */
  recordAgentEvents(items: readonly AgentEventItem[], deadlineAfter: DeadlineAfter): Promise<IntakeResult[]>;
  /** Records that the host journaled the command; false when no such command was sent to it. */
  acknowledgeCommand(instanceId: string, commandId: string): Promise<boolean>;
  /** {@link acknowledgeCommand} for a burst; one answer per acknowledgement. */
  acknowledgeCommands(acks: readonly { instanceId: string; commandId: string }[]): Promise<boolean[]>;
  /** Commands of in-progress deployments sent to the host and not acknowledged, oldest first. */
  unackedOf(instanceId: string): Promise<UnackedCommand[]>;
  /** True when a deployment of the revision has sent the host its command (it may download the revision). */
  wasCommanded(instanceId: string, revisionId: string): Promise<boolean>;
  /** Commands of in-progress deployments (of those `among`, when given) not acknowledged by any host, oldest first. */
  unacked(among?: readonly string[]): Promise<UnackedCommand[]>;
  /** Targets whose deadline is at or before `at` (of the deployments `among`, when given). */
  expired(at: string, among?: readonly string[]): Promise<LiveTarget[]>;
  /** The host's targets that are waiting for its agent or still running, oldest deployment first. */
  liveOf(instanceId: string): Promise<LiveTarget[]>;
  /** The targets of a deployment that are still running on their host. */
  runningOf(deploymentId: string): Promise<LiveTarget[]>;
  /** The targets of a deployment waiting for their agent to connect. */
  waitingOf(deploymentId: string): Promise<LiveTarget[]>;
  /**
   * The earliest stored deadline, if any: a host's, or the end of a running deployment's bake
   * (of the deployments `among`, when given: a coordinator among several times only its own).
   */
  earliestDeadline(among?: readonly string[]): Promise<string | undefined>;
  /** Moves every live deadline earlier than `until` (of the deployments `among`, when given) to `until`; returns how many moved. */
  deferDeadlinesUntil(until: string, among?: readonly string[]): Promise<number>;
  /** Every finished (Succeeded or Failed) target of the group's deployments, oldest first. */
  outcomesInGroup(deploymentGroupId: string): Promise<HostOutcome[]>;
  /** True when a running deployment of the group still has the host to do (pending, waiting or running). */
  isComingTo(deploymentGroupId: string, instanceId: string): Promise<boolean>;
  /** Ids of unfinished deployments that target the host. */
  unfinishedDeploymentsOf(instanceId: string): Promise<string[]>;
}
