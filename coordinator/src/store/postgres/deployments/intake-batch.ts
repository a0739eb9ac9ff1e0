/**
 * A burst of agent events applied in PostgreSQL in a few statements, whatever its size: the
 * targets the events name (locked), then, the events walked in order in memory exactly as
 * intake.ts applies each one, one statement per kind of write: the lifecycle event rows (each
 * row's events folded into its final values), the hosts' progress times and deadlines, the
 * outcomes. A statement per event cost a round trip each, 15 per host: at 10,000 hosts the
 * intake, not the decisions, was the coordinator's work.
 */
import { isTerminalInstanceStatus, type AgentEventBody, type InstanceStatus } from '../../../../../protocol/src/index.ts';
import type { AgentEventItem, DeadlineAfter, IntakeResult, ReceivedAgentEvent } from '../../deployments/targets.ts';
import type { Sql } from '../sql.ts';
import { insertAfterFailureRows } from './intake.ts';

interface Target {
  deployment_id: string;
  instance_id: string;
  command_id: string;
  status: InstanceStatus;
  event_timeout_seconds: number;
}

const TERMINAL_EVENT = new Set(['Succeeded', 'Failed', 'Skipped', 'Unknown']);

/** The final values of one lifecycle event row after the burst's events for it. */
interface Fold {
  deploymentId: string;
  instanceId: string;
  event: string;
  status: string;
  /** Set by an InProgress event (the last one wins). */
  startedSet: string | null;
  /** A terminal event's time: the start when none is known. */
  startedDefault: string | null;
  terminal: AgentEventBody | undefined;
  /** The message was set (by a terminal event, or an InProgress event with one). */
  messageSet: boolean;
  message: string | null;
  /** The agent's own time was set (clamped; an InProgress event always sets it, clearing it when in bounds). */
  agentAtSet: boolean;
  agentAt: string | null;
}

/** Everything the burst writes, gathered in order. */
class Writes {
  readonly folds = new Map<string, Fold>();
  readonly touches = new Map<string, { deploymentId: string; instanceId: string; at: string; deadline: string }>();
  readonly outcomes: { deploymentId: string; instanceId: string; event: AgentEventBody }[] = [];

  lifecycle(target: Target, event: ReceivedAgentEvent, lifecycleEvent: string, deadline: string): void {
    const key = `${target.deployment_id}\u0000${target.instance_id}`;
    this.touches.set(key, { deploymentId: target.deployment_id, instanceId: target.instance_id, at: event.at, deadline });
    if (event.status !== 'InProgress' && !TERMINAL_EVENT.has(event.status)) return;
    const foldKey = `${key}\u0000${lifecycleEvent}`;
    let fold = this.folds.get(foldKey);
    if (!fold) {
      fold = { deploymentId: target.deployment_id, instanceId: target.instance_id, event: lifecycleEvent, status: event.status, startedSet: null, startedDefault: null, terminal: undefined, messageSet: false, message: null, agentAtSet: false, agentAt: null };
      this.folds.set(foldKey, fold);
    }
    fold.status = event.status;
    // As intake.ts: an InProgress event sets agent_at, a terminal one only when it has one.
    if (event.status === 'InProgress' || event.agentAt !== undefined) Object.assign(fold, { agentAtSet: true, agentAt: event.agentAt ?? null });
    if (event.status === 'InProgress') {
      fold.startedSet = event.at;
      if (event.message !== undefined) Object.assign(fold, { messageSet: true, message: event.message });
      return;
    }
    fold.startedDefault ??= event.at;
    fold.terminal = event;
    Object.assign(fold, { messageSet: true, message: event.message ?? null });
  }
}

async function lockTargets(q: Sql, items: readonly AgentEventItem[]): Promise<Map<string, Target>> {
  const pairs = new Map(items.map((i) => [`${i.instanceId}\u0000${i.event.commandId}`, i]));
  const rows = await q.rows<Target>(
    `SELECT t.deployment_id, t.instance_id, t.command_id, t.status, g.event_timeout_seconds
     FROM unnest($1::text[], $2::text[]) AS x(instance_id, command_id)
     JOIN deployment_targets t ON t.instance_id = x.instance_id AND t.command_id = x.command_id
     JOIN deployments d ON d.deployment_id = t.deployment_id
     JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id
     ORDER BY t.deployment_id, t.instance_id FOR UPDATE OF t`,
    [[...pairs.values()].map((i) => i.instanceId), [...pairs.values()].map((i) => i.event.commandId)],
  );
  return new Map(rows.map((r) => [`${r.instance_id}\u0000${r.command_id}`, r]));
}

function walk(items: readonly AgentEventItem[], targets: Map<string, Target>, deadlineAfter: DeadlineAfter, writes: Writes): IntakeResult[] {
  return items.map(({ instanceId, event }): IntakeResult => {
    const target = targets.get(`${instanceId}\u0000${event.commandId}`);
    if (!target || target.deployment_id !== event.deploymentId) return { kind: 'ignored', reason: 'unknown command' };
    if (isTerminalInstanceStatus(target.status)) return { kind: 'ignored', reason: 'target already final' };
    if (event.lifecycleEvent !== undefined) {
      writes.lifecycle(target, event, event.lifecycleEvent, deadlineAfter(target.event_timeout_seconds));
      return { kind: 'event' };
    }
    if (event.status !== 'Succeeded' && event.status !== 'Failed') return { kind: 'ignored', reason: `outcome status ${event.status}` };
    writes.outcomes.push({ deploymentId: target.deployment_id, instanceId, event });
    // Later events of the burst find the host final, as they would one by one.
    target.status = event.status;
    return { kind: 'outcome', deploymentId: event.deploymentId, status: event.status };
  });
}

async function writeFolds(q: Sql, folds: readonly Fold[]): Promise<void> {
  if (folds.length === 0) return;
  const afterFailure = folds.filter((f) => f.event === 'AfterFailure');
  await insertAfterFailureRows(q, afterFailure.map((f) => f.deploymentId), afterFailure.map((f) => f.instanceId));
  const col = <T>(f: (x: Fold) => T): T[] => folds.map(f);
  await q.run(
    `UPDATE target_events e SET status = x.status,
       started_at = COALESCE(x.started_set, e.started_at, x.started_default),
       ended_at = CASE WHEN x.terminal THEN x.ended_at ELSE e.ended_at END,
       error_code = CASE WHEN x.terminal THEN x.error_code ELSE e.error_code END,
       script_name = CASE WHEN x.terminal THEN x.script_name ELSE e.script_name END,
       log_tail = CASE WHEN x.terminal THEN x.log_tail ELSE e.log_tail END,
       message = CASE WHEN x.message_set THEN x.message ELSE e.message END,
       agent_at = CASE WHEN x.agent_at_set THEN x.agent_at ELSE e.agent_at END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[], $13::text[], $14::boolean[], $15::text[])
       AS x(deployment_id, instance_id, event, status, started_set, started_default, terminal, ended_at, error_code, script_name, log_tail, message_set, message, agent_at_set, agent_at)
     WHERE e.deployment_id = x.deployment_id AND e.instance_id = x.instance_id AND e.event = x.event`,
    [
      col((f) => f.deploymentId),
      col((f) => f.instanceId),
      col((f) => f.event),
      col((f) => f.status),
      col((f) => f.startedSet),
      col((f) => f.startedDefault),
      col((f) => f.terminal !== undefined),
      col((f) => f.terminal?.at ?? null),
      col((f) => f.terminal?.errorCode ?? null),
      col((f) => f.terminal?.scriptName ?? null),
      col((f) => f.terminal?.logTail ?? null),
      col((f) => f.messageSet),
      col((f) => f.message),
      col((f) => f.agentAtSet),
      col((f) => f.agentAt),
    ],
  );
}

async function writeTouches(q: Sql, writes: Writes): Promise<void> {
  const touches = [...writes.touches.values()];
  if (touches.length === 0) return;
  await q.run(
    `UPDATE deployment_targets t SET updated_at = x.at, deadline_at = CASE WHEN t.status = 'InProgress' THEN x.deadline ELSE t.deadline_at END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(deployment_id, instance_id, at, deadline)
     WHERE t.deployment_id = x.deployment_id AND t.instance_id = x.instance_id`,
    [touches.map((x) => x.deploymentId), touches.map((x) => x.instanceId), touches.map((x) => x.at), touches.map((x) => x.deadline)],
  );
}

async function writeOutcomes(q: Sql, writes: Writes): Promise<void> {
  const o = writes.outcomes;
  if (o.length === 0) return;
  // The agent runs nothing after a failure; what it never reached is Skipped, as in CodeDeploy.
  // After a success the same holds for events an older agent never reports (the traffic hooks).
  await q.run(
    `WITH skipped AS (UPDATE target_events e SET status = 'Skipped'
       FROM unnest($1::text[], $2::text[], $3::text[]) AS x(deployment_id, instance_id, status)
       WHERE e.deployment_id = x.deployment_id AND e.instance_id = x.instance_id AND e.status = 'Pending' RETURNING 1)
     UPDATE deployment_targets t SET status = x.status, error_code = x.error_code, message = x.message, updated_at = x.at
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(deployment_id, instance_id, status, error_code, message, at)
     WHERE t.deployment_id = x.deployment_id AND t.instance_id = x.instance_id`,
    [
      o.map((x) => x.deploymentId),
      o.map((x) => x.instanceId),
      o.map((x) => x.event.status),
      o.map((x) => x.event.errorCode ?? null),
      o.map((x) => x.event.message ?? null),
      o.map((x) => x.event.at),
    ],
  );
}

/** Applies a burst of agent events in order, as intake.ts applies each; one result per event. */
export async function recordAgentEvents(q: Sql, items: readonly AgentEventItem[], deadlineAfter: DeadlineAfter): Promise<IntakeResult[]> {
  if (items.length === 0) return [];
  const writes = new Writes();
  const results = walk(items, await lockTargets(q, items), deadlineAfter, writes);
  await writeFolds(q, [...writes.folds.values()]);
  // Progress times before outcomes: a host's outcome time is its last update.
  await writeTouches(q, writes);
  await writeOutcomes(q, writes);
  return results;
}
