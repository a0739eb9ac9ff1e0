/**
 * The audit log in SQLite (store/audit.ts has the repository's contract).
 */
import type { AuditFilter, AuditRecord } from '../audit.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';
import { parseJsonColumn, setOptional } from './columns.ts';

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

/** The last record of the chain. */
export function lastAuditRecord(db: Db): AuditRecord | undefined {
  const raw = prepared(db, 'SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1').get() as RawAudit | undefined;
  return raw && toRecord(raw);
}

/** Appends one record (its chain fields computed by the caller). */
export function insertAuditRecord(db: Db, r: AuditRecord): void {
  prepared(db,
    'INSERT INTO audit_log (seq, at, actor, action, target, request_id, details, outcome, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(r.seq, r.at, r.actor, r.action, r.target ?? null, r.requestId ?? null, JSON.stringify(r.details), r.outcome, r.prevHash, r.hash);
}

/** Records matching `filter`, oldest first. */
export function listAuditRecords(db: Db, filter: AuditFilter): AuditRecord[] {
  const raws = prepared(db,
    `SELECT * FROM audit_log
     WHERE seq > ? AND (? IS NULL OR at >= ?) AND (? IS NULL OR actor = ?)
     ORDER BY seq LIMIT ?`,
  ).all(filter.afterSeq ?? 0, filter.since ?? null, filter.since ?? null, filter.actor ?? null, filter.actor ?? null, filter.limit ?? 1000) as RawAudit[];
  return raws.map(toRecord);
}
