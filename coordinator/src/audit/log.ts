/**
 * Appending to the audit log and checking it. An append reads the last record and writes the
 * next in one unit of work; two coordinators appending at once (PostgreSQL) collide on the
 * sequence number and the loser tries again on the new last record.
 */
import { DeckhandError } from '../../../protocol/src/index.ts';
import type { AuditEntry, AuditRecord } from '../store/audit.ts';
import type { Store } from '../store/store.ts';
import { chainBreak, chainNext } from './chain.ts';

const APPEND_ATTEMPTS = 5;
const VERIFY_PAGE = 1000;

/** Appends `entry` after the last record; returns the stored record. */
export async function appendAudit(store: Store, entry: AuditEntry): Promise<AuditRecord> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction(async (tx) => {
        const record = chainNext(await tx.audit.last(), entry);
        await tx.audit.insert(record);
        return record;
      });
    } catch (err) {
      if (!(err instanceof DeckhandError && err.code === 'CONFLICT') || attempt >= APPEND_ATTEMPTS) throw err;
    }
  }
}

/** What checking the whole chain found. */
export interface AuditVerification {
  ok: boolean;
  records: number;
  head?: string;
  broken?: { seq: number; reason: string };
}

/** Checks the chain from its first record to its last, page by page. */
export async function verifyAudit(store: Store): Promise<AuditVerification> {
  let previous: AuditRecord | undefined;
  let records = 0;
  for (;;) {
    const page = await store.audit.list({ afterSeq: previous?.seq ?? 0, limit: VERIFY_PAGE });
    for (const record of page) {
      const reason = chainBreak(previous, record);
      if (reason !== undefined) return { ok: false, records, broken: { seq: record.seq, reason } };
      previous = record;
      records++;
    }
    if (page.length < VERIFY_PAGE) break;
  }
  return { ok: true, records, ...(previous ? { head: previous.hash } : {}) };
}
