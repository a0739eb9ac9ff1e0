/**
 * The audit log in PostgreSQL (store/audit.ts has the repository's contract). Several
 * coordinators append to one chain: reading its last record takes a lock that the unit of work
 * keeps until it commits, so appends take turns and none forks the chain.
 */
import type { AuditFilter, AuditRecord } from '../audit.ts';
import { parseJsonColumn, setOptional } from '../rows/columns.ts';
import type { Sql } from './sql.ts';

interface RawAudit {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  request_id: string | null;
  details: string;
  outcome: string;
  prev_hash: string;
  hash: string;
}

/** An arbitrary constant: the advisory lock of the audit chain's tail. */
const AUDIT_LOCK = 2_110_422;

function toRecord(raw: RawAudit): AuditRecord {
  const record: AuditRecord = {
    seq: raw.seq,
    at: raw.at,
    actor: raw.actor,
    action: raw.action,
    details: parseJsonColumn<Record<string, unknown>>(raw.details, 'audit_log.details'),
    outcome: raw.outcome,
    prevHash: raw.prev_hash,
    hash: raw.hash,
  };
  setOptional(record, 'target', raw.target);
  setOptional(record, 'requestId', raw.request_id);
  return record;
}

/** The last record of the chain; in a unit of work, no other may append until it ends. */
export async function lastAuditRecord(q: Sql): Promise<AuditRecord | undefined> {
  await q.one(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`);
  const raw = await q.one<RawAudit>('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1');
  return raw && toRecord(raw);
}

/** Appends one record (its chain fields computed by the caller). */
export async function insertAuditRecord(q: Sql, r: AuditRecord): Promise<void> {
  await q.run('INSERT INTO audit_log (seq, at, actor, action, target, request_id, details, outcome, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
    r.seq,
    r.at,
    r.actor,
    r.action,
    r.target ?? null,
    r.requestId ?? null,
    JSON.stringify(r.details),
    r.outcome,
    r.prevHash,
    r.hash,
  ]);
}

/** Records matching `filter`, oldest first. */
export async function listAuditRecords(q: Sql, filter: AuditFilter): Promise<AuditRecord[]> {
  const raws = await q.rows<RawAudit>(
    `SELECT * FROM audit_log WHERE seq > $1 AND ($2::text IS NULL OR at >= $2) AND ($3::text IS NULL OR actor = $3) ORDER BY seq LIMIT $4`,
    [filter.afterSeq ?? 0, filter.since ?? null, filter.actor ?? null, filter.limit ?? 1000],
  );
  return raws.map(toRecord);
}
