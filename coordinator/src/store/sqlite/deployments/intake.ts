/**
 * Records one agent.event on the target and target_events rows, in SQLite. Pure bookkeeping:
 * deciding what the deployment does next is the scheduler's job.
 */
import { isTerminalInstanceStatus, type InstanceStatus } from '../../../../../protocol/src/index.ts';
import type { AgentEventItem, DeadlineAfter, IntakeResult, ReceivedAgentEvent } from '../../deployments/targets.ts';
import type { Db } from '../db.ts';
import { prepared } from '../statements.ts';

interface TargetRow {
  deployment_id: string;
  status: InstanceStatus;
  event_timeout_seconds: number;
}

const TERMINAL_EVENT = new Set(['Succeeded', 'Failed', 'Skipped', 'Unknown']);

/** Position of an AfterFailure row: after every event of AGENT_EVENT_ORDER. */
const AFTER_FAILURE_POSITION = 100;

function recordLifecycleEvent(db: Db, instanceId: string, event: ReceivedAgentEvent, lifecycleEvent: string): void {
  const base = [event.deploymentId, instanceId, lifecycleEvent];
  if (lifecycleEvent === 'AfterFailure') {
    // The extension event runs only after a failure, so its row is made when the agent reports it.
    prepared(db,
      `INSERT INTO target_events (deployment_id, instance_id, event, position, status) VALUES (?, ?, ?, ?, 'Pending')
       ON CONFLICT (deployment_id, instance_id, event) DO NOTHING`,
    ).run(...base, AFTER_FAILURE_POSITION);
  }
  if (event.status === 'InProgress') {
    // An InProgress event may say why it is still running (a script asked for a reboot).
    prepared(db,
      `UPDATE target_events SET status = 'InProgress', started_at = ?, agent_at = ?, message = COALESCE(?, message)
       WHERE deployment_id = ? AND instance_id = ? AND event = ?`,
    ).run(event.at, event.agentAt ?? null, event.message ?? null, ...base);
    return;
  }
  if (!TERMINAL_EVENT.has(event.status)) return;
  prepared(db,
    `UPDATE target_events SET status = ?, ended_at = ?, started_at = COALESCE(started_at, ?), agent_at = COALESCE(?, agent_at),
       error_code = ?, script_name = ?, message = ?, log_tail = ?
     WHERE deployment_id = ? AND instance_id = ? AND event = ?`,
  ).run(
    event.status,
    event.at,
    event.at,
    event.agentAt ?? null,
    event.errorCode ?? null,
    event.scriptName ?? null,
    event.message ?? null,
    event.logTail ?? null,
    ...base,
  );
}

function recordOutcome(db: Db, instanceId: string, event: ReceivedAgentEvent): void {
  prepared(db,
    `UPDATE deployment_targets SET status = ?, error_code = ?, message = ?, updated_at = ?
     WHERE deployment_id = ? AND instance_id = ?`,
  ).run(event.status, event.errorCode ?? null, event.message ?? null, event.at, event.deploymentId, instanceId);
  // The agent runs nothing after a failure; what it never reached is Skipped, as in CodeDeploy.
  // After a success the same holds for events an older agent never reports (the traffic hooks).
  prepared(db,
    `UPDATE target_events SET status = 'Skipped' WHERE deployment_id = ? AND instance_id = ? AND status = 'Pending'`,
  ).run(event.deploymentId, instanceId);
}

/**
 * Applies one event from `instanceId`. Events for a command this host was never sent, or after
 * the host's outcome is final, are ignored (a stale or misdirected outbox row). A lifecycle
 * event on a running host also moves its deadline out to `deadlineAfter(group's event timeout)`.
 */
export function recordAgentEvent(db: Db, instanceId: string, event: ReceivedAgentEvent, deadlineAfter: DeadlineAfter): IntakeResult {
  // The group's event timeout comes with the target, so the deadline needs no query of its own.
  const target = prepared(db,
    `SELECT t.deployment_id, t.status, g.event_timeout_seconds FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id
     JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id
     WHERE t.instance_id = ? AND t.command_id = ?`,
  ).get(instanceId, event.commandId) as TargetRow | undefined;
  if (!target || target.deployment_id !== event.deploymentId) return { kind: 'ignored', reason: 'unknown command' };
  if (isTerminalInstanceStatus(target.status)) return { kind: 'ignored', reason: 'target already final' };
  if (event.lifecycleEvent !== undefined) {
    recordLifecycleEvent(db, instanceId, event, event.lifecycleEvent);
    // The progress time and the deadline in one write: this runs for every event of every host.
    prepared(db,
      `UPDATE deployment_targets SET updated_at = ?, deadline_at = CASE WHEN status = 'InProgress' THEN ? ELSE deadline_at END
       WHERE deployment_id = ? AND instance_id = ?`,
    ).run(event.at, deadlineAfter(target.event_timeout_seconds), event.deploymentId, instanceId);
    return { kind: 'event' };
  }
  if (event.status !== 'Succeeded' && event.status !== 'Failed') {
    return { kind: 'ignored', reason: `outcome status ${event.status}` };
  }
  recordOutcome(db, instanceId, event);
  return { kind: 'outcome', deploymentId: event.deploymentId, status: event.status };
}

/** Applies a burst of events in order (each a few prepared statements: SQLite runs in-process). */
export function recordAgentEvents(db: Db, items: readonly AgentEventItem[], deadlineAfter: DeadlineAfter): IntakeResult[] {
  return items.map((item) => recordAgentEvent(db, item.instanceId, item.event, deadlineAfter));
}
