/**
 * Instances in PostgreSQL (store/instances.ts has the repository's contract).
 */
import type { JournalEpochBody, Tags } from '../../../../protocol/src/index.ts';
import type { InstanceRow, InstanceTouch, NewInstance } from '../instances.ts';
import { toInstance, type RawInstance } from '../rows/instances.ts';
import type { Sql } from './sql.ts';

const COLUMNS = 'instance_id, hostname, public_key, tags, registered_at, last_seen, agent_version, inventory, last_applied_seq';

/** The instance with this id, if any. */
export async function getInstance(q: Sql, instanceId: string): Promise<InstanceRow | undefined> {
  const raw = await q.one<RawInstance>(`SELECT ${COLUMNS} FROM instances WHERE instance_id = $1`, [instanceId]);
  return raw && toInstance(raw);
}

/** Every instance, in registration order. */
export async function listInstances(q: Sql): Promise<InstanceRow[]> {
  return (await q.rows<RawInstance>(`SELECT ${COLUMNS} FROM instances ORDER BY registered_at, instance_id`)).map(toInstance);
}

/** Registers an instance (lastAppliedSeq starts at 0). */
export async function insertInstance(q: Sql, row: NewInstance): Promise<InstanceRow> {
  await q.run('INSERT INTO instances (instance_id, hostname, public_key, tags, registered_at) VALUES ($1, $2, $3, $4, $5)', [
    row.instanceId,
    row.hostname,
    row.publicKey,
    JSON.stringify(row.tags),
    row.registeredAt,
  ]);
  return { ...row, lastAppliedSeq: 0 };
}

/** Records an agent contact; fields left out keep their stored value. */
export async function touchInstance(q: Sql, instanceId: string, touch: InstanceTouch): Promise<void> {
  await q.run(
    `UPDATE instances SET last_seen = $1, agent_version = COALESCE($2, agent_version), inventory = COALESCE($3, inventory)
     WHERE instance_id = $4`,
    [touch.lastSeen, touch.agentVersion ?? null, touch.inventory === undefined ? null : JSON.stringify(touch.inventory), instanceId],
  );
}

/** Replaces the instance's tags; false when there is no such instance. */
export async function setInstanceTags(q: Sql, instanceId: string, tags: Tags): Promise<boolean> {
  return (await q.run('UPDATE instances SET tags = $1 WHERE instance_id = $2', [JSON.stringify(tags), instanceId])) === 1;
}

/**
 * The host's exactly-once cursor (0 for an unknown host). The row stays locked until the unit of
 * work ends: when an agent's old and new connections land on two coordinators at once, the
 * second waits and then reads the cursor the first moved, so no event applies twice.
 */
export async function lastAppliedSeq(q: Sql, instanceId: string): Promise<number> {
  const r = await q.one<{ last_applied_seq: number }>('SELECT last_applied_seq FROM instances WHERE instance_id = $1 FOR UPDATE', [instanceId]);
  return r?.last_applied_seq ?? 0;
}

/** Moves the host's exactly-once cursor; call in the unit of work that applied the events. */
export async function setLastAppliedSeq(q: Sql, instanceId: string, seq: number): Promise<void> {
  await q.run('UPDATE instances SET last_applied_seq = $1 WHERE instance_id = $2', [seq, instanceId]);
}

/** The cursors of several hosts (0 for an unknown host), locked in one statement, in a fixed order (no deadlock between two bursts). */
export async function lastAppliedSeqs(q: Sql, instanceIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await q.rows<{ instance_id: string; last_applied_seq: number }>(
    'SELECT instance_id, last_applied_seq FROM instances WHERE instance_id = ANY($1::text[]) ORDER BY instance_id FOR UPDATE',
    [instanceIds],
  );
  const found = new Map(rows.map((r) => [r.instance_id, r.last_applied_seq]));
  return new Map(instanceIds.map((id) => [id, found.get(id) ?? 0]));
}

/** Moves several hosts' cursors in one statement. */
export async function setLastAppliedSeqs(q: Sql, cursors: ReadonlyMap<string, number>): Promise<void> {
  if (cursors.size === 0) return;
  await q.run('UPDATE instances i SET last_applied_seq = c.seq FROM unnest($1::text[], $2::bigint[]) AS c(id, seq) WHERE i.instance_id = c.id', [
    [...cursors.keys()],
    [...cursors.values()],
  ]);
}

/** The journal epochs the host's agent last named (none before it did). */
export async function journalEpochs(q: Sql, instanceId: string): Promise<JournalEpochBody[]> {
  const r = await q.one<{ journal_epochs: string | null }>('SELECT journal_epochs FROM instances WHERE instance_id = $1', [instanceId]);
  return r?.journal_epochs ? (JSON.parse(r.journal_epochs) as JournalEpochBody[]) : [];
}

/** Remembers the journal epochs the host's agent named. */
export async function setJournalEpochs(q: Sql, instanceId: string, epochs: readonly JournalEpochBody[]): Promise<void> {
  await q.run('UPDATE instances SET journal_epochs = $1 WHERE instance_id = $2', [JSON.stringify(epochs), instanceId]);
}

/** Removes the instance with its targets and their lifecycle events; call in a unit of work. */
export async function removeInstance(q: Sql, instanceId: string): Promise<void> {
  await q.run('DELETE FROM target_events WHERE instance_id = $1', [instanceId]);
  await q.run('DELETE FROM deployment_targets WHERE instance_id = $1', [instanceId]);
  await q.run('DELETE FROM agent_presence WHERE instance_id = $1', [instanceId]);
  await q.run('DELETE FROM node_messages WHERE instance_id = $1', [instanceId]);
  await q.run('DELETE FROM instances WHERE instance_id = $1', [instanceId]);
}
