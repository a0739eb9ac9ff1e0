/**
 * Damage for store tests: garbage written over one b-tree page of a real SQLite file, the way a
 * torn write or a bad sector leaves it.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';

/**
 * Overwrites the cell-pointer area of page `page` (1-based) of `file` with 0x5a bytes: the page
 * keeps its type byte, so SQLite reads it as a b-tree page whose cells point outside it.
 */
export function damagePage(file: string, page: number, pageSize = 4096): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(64, 0x5a), 0, 64, (page - 1) * pageSize + 8);
  } finally {
    closeSync(fd);
  }
}

/** The sha256 of a file's bytes, to show it was not modified. */
export function fileSha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
