/**
 * Instances in SQLite (store/instances.ts has the repository's contract).
 */
import type { JournalEpochBody, Tags } from '../../../../protocol/src/index.ts';
import type { InstanceRow, InstanceTouch, NewInstance } from '../instances.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';
import { toInstance as toRow, type RawInstance } from '../rows/instances.ts';

const COLUMNS =
  'instance_id, hostname, public_key, tags, registered_at, last_seen, agent_version, inventory, last_applied_seq';

/** The instance with this id, if any. */
export function getInstance(db: Db, instanceId: string): InstanceRow | undefined {
  const raw = prepared(db, `SELECT ${COLUMNS} FROM instances WHERE instance_id = ?`).get(instanceId) as RawInstance | undefined;
  return raw && toRow(raw);
}

/** Every instance, in registration order. */
export function listInstances(db: Db): InstanceRow[] {
  const raws = prepared(db, `SELECT ${COLUMNS} FROM instances ORDER BY registered_at, instance_id`).all() as RawInstance[];
  return raws.map(toRow);
}

/** Registers an instance (lastAppliedSeq starts at 0). */
export function insertInstance(db: Db, row: NewInstance): InstanceRow {
  prepared(db, 'INSERT INTO instances (instance_id, hostname, public_key, tags, registered_at) VALUES (?, ?, ?, ?, ?)').run(
    row.instanceId,
    row.hostname,
    row.publicKey,
    JSON.stringify(row.tags),
    row.registeredAt,
  );
  return { ...row, lastAppliedSeq: 0 };
}

/** Records an agent contact; fields left out keep their stored value. */
export function touchInstance(db: Db, instanceId: string, touch: InstanceTouch): void {
  prepared(db,
    `UPDATE instances SET last_seen = ?, agent_version = COALESCE(?, agent_version), inventory = COALESCE(?, inventory)
     WHERE instance_id = ?`,
  ).run(
    touch.lastSeen,
    touch.agentVersion ?? null,
    touch.inventory === undefined ? null : JSON.stringify(touch.inventory),
    instanceId,
  );
}

/** Replaces the instance's tags; false when there is no such instance. */
export function setInstanceTags(db: Db, instanceId: string, tags: Tags): boolean {
  return prepared(db, 'UPDATE instances SET tags = ? WHERE instance_id = ?').run(JSON.stringify(tags), instanceId).changes === 1;
}

/** The host's exactly-once cursor (0 for an unknown host); reads one column, not the inventory JSON. */
export function lastAppliedSeq(db: Db, instanceId: string): number {
  const r = prepared(db, 'SELECT last_applied_seq FROM instances WHERE instance_id = ?').get(instanceId) as { last_applied_seq: number } | undefined;
  return r?.last_applied_seq ?? 0;
}

/** Moves the host's exactly-once cursor; call in the transaction that applied the events. */
export function setLastAppliedSeq(db: Db, instanceId: string, seq: number): void {
  prepared(db, 'UPDATE instances SET last_applied_seq = ? WHERE instance_id = ?').run(seq, instanceId);
}

/** The cursors of several hosts (0 for an unknown host). */
export function lastAppliedSeqs(db: Db, instanceIds: readonly string[]): Map<string, number> {
  return new Map(instanceIds.map((id) => [id, lastAppliedSeq(db, id)]));
}

/** Moves several hosts' cursors. */
export function setLastAppliedSeqs(db: Db, cursors: ReadonlyMap<string, number>): void {
  for (const [id, seq] of cursors) setLastAppliedSeq(db, id, seq);
}

/** The journal epochs the host's agent last named (none before it did). */
export function journalEpochs(db: Db, instanceId: string): JournalEpochBody[] {
  const r = prepared(db, 'SELECT journal_epochs FROM instances WHERE instance_id = ?').get(instanceId) as { journal_epochs: string | null } | undefined;
  return r?.journal_epochs ? (JSON.parse(r.journal_epochs) as JournalEpochBody[]) : [];
}

/** Remembers the journal epochs the host's agent named. */
export function setJournalEpochs(db: Db, instanceId: string, epochs: readonly JournalEpochBody[]): void {
  prepared(db, 'UPDATE instances SET journal_epochs = ? WHERE instance_id = ?').run(JSON.stringify(epochs), instanceId);
}

/** Removes the instance with its targets and their lifecycle events; call in a transaction. */
export function removeInstance(db: Db, instanceId: string): void {
  prepared(db, 'DELETE FROM target_events WHERE instance_id = ?').run(instanceId);
  prepared(db, 'DELETE FROM deployment_targets WHERE instance_id = ?').run(instanceId);
  prepared(db, 'DELETE FROM instances WHERE instance_id = ?').run(instanceId);
}
