/**
 * The process's file mode creation mask, which an extractor must know to give files exactly the
 * archive's modes (tar -p) or, on purpose, the umask's (unzip's rule for entries without Unix modes).
 */
import { readFileSync } from 'node:fs';

/**
 * The umask. Linux (4.7 and later) states it in /proc/self/status; elsewhere process.umask() is
 * asked, which sets it back at once (a documentation-only deprecation: no other thread of the
 * agent creates files meanwhile).
 */
export function processUmask(): number {
  try {
    const line = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (line?.[1] !== undefined) return Number.parseInt(line[1], 8);
  } catch {
    // No procfs (Windows, macOS): the portable way below.
  }
  return process.umask();
}
