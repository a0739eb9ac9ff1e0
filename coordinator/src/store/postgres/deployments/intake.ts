/**
 * Records one agent.event on the target and target_events rows, in PostgreSQL: at most two
 * statements per event (the target, locked; then its rows, changed together). Pure bookkeeping:
 * deciding what the deployment does next is the scheduler's job.
 */
import { isTerminalInstanceStatus, type AgentEventBody, type InstanceStatus } from '../../../../../protocol/src/index.ts';
import type { DeadlineAfter, IntakeResult, ReceivedAgentEvent } from '../../deployments/targets.ts';
import type { Sql } from '../sql.ts';

interface TargetRow {
  deployment_id: string;
  status: InstanceStatus;
  event_timeout_seconds: number;
}

const TERMINAL_EVENT = new Set(['Succeeded', 'Failed', 'Skipped', 'Unknown']);

/** Position of an AfterFailure row: after every event of AGENT_EVENT_ORDER (as in SQLite). */
export const AFTER_FAILURE_POSITION = 100;

/**
 * The extension event runs only after a failure, so its row is made when the agent reports it
 * (for each host of `instanceIds`, in `deploymentIds` order).
 */
export async function insertAfterFailureRows(q: Sql, deploymentIds: readonly string[], instanceIds: readonly string[]): Promise<void> {
  if (deploymentIds.length === 0) return;
  await q.run(
    `INSERT INTO target_events (deployment_id, instance_id, event, position, status)
     SELECT x.deployment_id, x.instance_id, 'AfterFailure', $3, 'Pending' FROM unnest($1::text[], $2::text[]) AS x(deployment_id, instance_id)
     ON CONFLICT (deployment_id, instance_id, event) DO NOTHING`,
    [deploymentIds, instanceIds, AFTER_FAILURE_POSITION],
  );
}

/** The lifecycle event row's change and the host's progress time and deadline, in one statement. */
async function recordLifecycleEvent(q: Sql, instanceId: string, event: ReceivedAgentEvent, lifecycleEvent: string, deadline: string): Promise<void> {
  const target = `UPDATE deployment_targets SET updated_at = $4, deadline_at = CASE WHEN status = 'InProgress' THEN $5 ELSE deadline_at END
    WHERE deployment_id = $1 AND instance_id = $2`;
  if (lifecycleEvent === 'AfterFailure') await insertAfterFailureRows(q, [event.deploymentId], [instanceId]);
  if (event.status === 'InProgress') {
    // An InProgress event may say why it is still running (a script asked for a reboot).
    await q.run(
      `WITH e AS (UPDATE target_events SET status = 'InProgress', started_at = $4, agent_at = $7, message = COALESCE($6, message)
         WHERE deployment_id = $1 AND instance_id = $2 AND event = $3 RETURNING 1) ${target}`,
      [event.deploymentId, instanceId, lifecycleEvent, event.at, deadline, event.message ?? null, event.agentAt ?? null],
    );
    return;
  }
  if (!TERMINAL_EVENT.has(event.status)) {
    await q.run(
      `UPDATE deployment_targets SET updated_at = $3, deadline_at = CASE WHEN status = 'InProgress' THEN $4 ELSE deadline_at END
       WHERE deployment_id = $1 AND instance_id = $2`,
      [event.deploymentId, instanceId, event.at, deadline],
    );
    return;
  }
  await q.run(
    `WITH e AS (UPDATE target_events SET status = $6, ended_at = $4, started_at = COALESCE(started_at, $4),
         agent_at = COALESCE($11, agent_at), error_code = $7, script_name = $8, message = $9, log_tail = $10
       WHERE deployment_id = $1 AND instance_id = $2 AND event = $3 RETURNING 1) ${target}`,
    [
      event.deploymentId,
      instanceId,
      lifecycleEvent,
      event.at,
      deadline,
      event.status,
      event.errorCode ?? null,
      event.scriptName ?? null,
      event.message ?? null,
      event.logTail ?? null,
      event.agentAt ?? null,
    ],
  );
}

async function recordOutcome(q: Sql, instanceId: string, event: AgentEventBody): Promise<void> {
  // The agent runs nothing after a failure; what it never reached is Skipped, as in CodeDeploy.
  // After a success the same holds for events an older agent never reports (the traffic hooks).
  await q.run(
    `WITH e AS (UPDATE target_events SET status = 'Skipped'
       WHERE deployment_id = $1 AND instance_id = $2 AND status = 'Pending' RETURNING 1)
     UPDATE deployment_targets SET status = $3, error_code = $4, message = $5, updated_at = $6
     WHERE deployment_id = $1 AND instance_id = $2`,
    [event.deploymentId, instanceId, event.status, event.errorCode ?? null, event.message ?? null, event.at],
  );
}

/**
 * Applies one event from `instanceId`. Events for a command this host was never sent, or after
 * the host's outcome is final, are ignored. The target row stays locked until the unit of work
 * ends, so a coordinator failing the host at its deadline meanwhile either sees the outcome or
 * is seen by it, never overwrites it.
 */
export async function recordAgentEvent(q: Sql, instanceId: string, event: AgentEventBody, deadlineAfter: DeadlineAfter): Promise<IntakeResult> {
  const target = await q.one<TargetRow>(
    `SELECT t.deployment_id, t.status, g.event_timeout_seconds FROM deployment_targets t
     JOIN deployments d ON d.deployment_id = t.deployment_id
     JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id
     WHERE t.instance_id = $1 AND t.command_id = $2 FOR UPDATE OF t`,
    [instanceId, event.commandId],
  );
  if (!target || target.deployment_id !== event.deploymentId) return { kind: 'ignored', reason: 'unknown command' };
  if (isTerminalInstanceStatus(target.status)) return { kind: 'ignored', reason: 'target already final' };
  if (event.lifecycleEvent !== undefined) {
    await recordLifecycleEvent(q, instanceId, event, event.lifecycleEvent, deadlineAfter(target.event_timeout_seconds));
    return { kind: 'event' };
  }
  if (event.status !== 'Succeeded' && event.status !== 'Failed') {
    return { kind: 'ignored', reason: `outcome status ${event.status}` };
  }
  await recordOutcome(q, instanceId, event);
  return { kind: 'outcome', deploymentId: event.deploymentId, status: event.status };
}
