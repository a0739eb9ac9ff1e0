/**
 * What `deckhand-coordinator backup` and `restore` print: where the copy is, its size, its store
 * id and schema version, and the rows an operator recognises the store by.
 */
import type { Printed } from './maintenance.ts';

/** A finished backup or restore, as the store reports it. */
export interface StoreCopyReport {
  file: string;
  bytes: number;
  storeId: string;
  schemaVersion: number;
  counts: Readonly<Record<string, number>>;
  /** Restore only: where the replaced store was kept. */
  replaced?: readonly string[];
}

function countsLine(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts).map(([table, n]) => `${n} ${table.replace(/_/g, ' ')}`).join(', ');
}

/** The lines of a finished backup. */
export function backupReport(copy: StoreCopyReport): Printed {
  return {
    out: [
      `backup written to ${copy.file} (${copy.bytes} bytes), checked with quick_check`,
      `store ${copy.storeId}, schema version ${copy.schemaVersion}: ${countsLine(copy.counts)}`,
    ],
    err: [],
    code: 0,
  };
}

/** The lines of a finished restore. */
export function restoreReport(copy: StoreCopyReport): Printed {
  const replaced = copy.replaced ?? [];
  return {
    out: [
      `restored ${copy.file} (${copy.bytes} bytes), checked with quick_check`,
      `store ${copy.storeId}, schema version ${copy.schemaVersion}: ${countsLine(copy.counts)}`,
      replaced.length > 0 ? `the replaced store was kept as ${replaced.join(', ')}` : 'there was no store to replace',
      'Start the coordinator: agents send again the events they keep; what came through the API after the backup was taken is gone (README: "Backup, restore and durability").',
    ],
    err: [],
    code: 0,
  };
}

/** A refused or failed store command. */
export function storeCommandFailed(command: string, message: string): Printed {
  return { out: [], err: [`${command} failed: ${message}`], code: 1 };
}
