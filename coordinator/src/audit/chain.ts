/**
 * The audit log's hash chain: each record's hash covers its own fields and the hash of the record
 * before it, so editing a record changes its hash and deleting one leaves a gap in the sequence
 * and a `prevHash` that no longer matches. Pure; log.ts appends and reads.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../protocol/src/index.ts';
import type { AuditEntry, AuditRecord } from '../store/audit.ts';

/** The `prevHash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash of record `seq` holding `entry`, chained to `prevHash`. */
export function recordHash(prevHash: string, seq: number, entry: AuditEntry): string {
  const fields = {
    seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    requestId: entry.requestId ?? null,
    details: entry.details,
    outcome: entry.outcome,
  };
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(fields)).digest('hex');
}

/** The record that follows `last` (undefined: the first record). */
export function chainNext(last: Pick<AuditRecord, 'seq' | 'hash'> | undefined, entry: AuditEntry): AuditRecord {
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  return { ...entry, seq, prevHash, hash: recordHash(prevHash, seq, entry) };
}

/** Where the chain breaks, or undefined when `record` follows `previous` correctly. */
export function chainBreak(previous: Pick<AuditRecord, 'seq' | 'hash'> | undefined, record: AuditRecord): string | undefined {
  const expectedSeq = (previous?.seq ?? 0) + 1;
  if (record.seq !== expectedSeq) {
    const missing = record.seq - expectedSeq === 1 ? `record ${expectedSeq} is` : `records ${expectedSeq}-${record.seq - 1} are`;
    return `${missing} missing (deleted?): record ${record.seq} follows ${previous ? `record ${previous.seq}` : 'the start of the log'}`;
  }
  if (record.prevHash !== (previous?.hash ?? GENESIS_HASH)) {
    return `record ${record.seq} does not chain to ${previous ? `record ${previous.seq}` : 'the start of the log'} (one of them was edited or replaced)`;
  }
  if (record.hash !== recordHash(record.prevHash, record.seq, record)) {
    return `record ${record.seq} was edited: its contents no longer match its hash`;
  }
  return undefined;
}
