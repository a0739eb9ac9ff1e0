/**
 * What the hub needs from the deployment scheduler, kept as an interface so the hub knows
 * nothing about deployments and tests can plug in a fake.
 */
import type { AgentEventBody, CommandBody, ErrorCode } from '../../../protocol/src/index.ts';
import type { AgentEventItem } from '../store/deployments/targets.ts';
import type { UnitOfWork } from '../store/store.ts';

/** Work to run once the unit of work that produced it has committed (e.g. sending commands). */
export type AfterCommit = () => void | Promise<void>;

/** The scheduler, as seen by the hub. */
export interface AgentEventSink {
  /**
   * Applies one agent event inside the hub's unit of work `tx`, which also moves the host's
   * last_applied_seq; must not send anything itself, and returns what to do after commit.
   * When another event of the same burst throws, the unit of work is rolled back and this is
   * called again: keep every effect in the store or in the returned work.
   */
  applyAgentEvent(instanceId: string, event: AgentEventBody, tx: UnitOfWork): Promise<AfterCommit>;
  /**
   * Applies a burst of agent events, in order, as {@link applyAgentEvent} applies each, in the
   * hub's unit of work `tx`; one after-commit work for all of them. Optional: without it the hub
   * applies the events one by one.
   */
  applyAgentEvents?(items: readonly AgentEventItem[], tx: UnitOfWork): Promise<AfterCommit>;
  /** The host journaled the command (agent.command.ack); inside the hub's unit of work `tx`. */
  acknowledgeCommand(instanceId: string, commandId: string, tx: UnitOfWork): Promise<void>;
  /** {@link acknowledgeCommand} for a burst; optional, like {@link applyAgentEvents}. */
  acknowledgeCommands?(acks: readonly { instanceId: string; commandId: string }[], tx: UnitOfWork): Promise<void>;
  /** Commands sent to the host but not acknowledged, of deployments still in progress. */
  unackedCommands(instanceId: string): Promise<CommandBody[]>;
  /**
   * The host's agent said hello. Called before its unacknowledged commands are re-sent, so
   * commands this dispatches (hosts that waited for the agent) go out with them.
   */
  agentConnected?(instanceId: string): Promise<void>;
  /**
   * The host refused command `commandId` (its signature did not verify there): the host fails
   * with `code`, unless the command is not one of its unfinished ones (then nothing changes).
   */
  commandRefused?(instanceId: string, commandId: string, code: ErrorCode, message: string): Promise<void>;
}
