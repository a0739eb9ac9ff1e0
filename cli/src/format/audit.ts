/**
 * The `deckhand audit` table and the `deckhand audit verify` verdict.
 */
import type { AuditRecordView, AuditVerifyResponse } from '../../../protocol/src/access.ts';
import { renderTable } from './table.ts';

/** One row per record, oldest first. */
export function formatAudit(records: readonly AuditRecordView[]): string {
  if (records.length === 0) return 'no audit records';
  return renderTable(
    ['SEQ', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME'],
    records.map((r) => [String(r.seq), r.at, r.actor, r.action, r.target ?? '', r.outcome]),
  );
}

/** One line: intact with its head, or where it breaks. */
export function formatVerification(v: AuditVerifyResponse): string {
  if (!v.ok && v.broken) return `audit log BROKEN at record ${v.broken.seq}: ${v.broken.reason} (${v.records} records before it are intact)`;
  if (v.records === 0) return 'audit log is empty';
  return `audit log intact: ${v.records} records, last hash ${v.head ?? ''}`;
}
