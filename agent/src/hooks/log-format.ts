/**
 * The format of scripts.log, CodeDeploy's: every entry is one line that starts with a local-time
 * stamp, `YYYY-MM-DD HH:MM:SS `, followed by a header (`LifecycleEvent - X`, `Script - loc`) or
 * an output line with its stream prefix (`[stdout]text`, `[stderr]text`). Written by
 * hooks/output.ts, read back by logs/scripts-log.ts and for an event's tail.
 */

/** `YYYY-MM-DD HH:MM:SS `: the stamp and the space after it. */
export const STAMP_CHARS = 20;

/** The stream prefix's length: `[stdout]` or `[stderr]`. */
export const STREAM_CHARS = 8;

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in local time, as CodeDeploy's `Time.now.to_s` without the zone. */
export function formatLogTimestamp(d: Date): string {
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Where each character of a stamp is not a digit: `-`, ` ` and `:`. */
const STAMP_SEPARATORS: Record<number, number> = { 4: 45, 7: 45, 10: 32, 13: 58, 16: 58, 19: 32 };

/** True when `entry` starts with a well-formed `YYYY-MM-DD HH:MM:SS ` stamp. */
export function hasStamp(entry: string): boolean {
  if (entry.length < STAMP_CHARS) return false;
  for (let i = 0; i < STAMP_CHARS; i++) {
    const c = entry.charCodeAt(i);
    const sep = STAMP_SEPARATORS[i];
    if (sep === undefined ? c < 48 || c > 57 : c !== sep) return false;
  }
  return true;
}

/** True when `buf[start, end)` starts with a well-formed stamp: {@link hasStamp} on bytes. */
export function hasStampBytes(buf: Buffer, start: number, end: number): boolean {
  if (end - start < STAMP_CHARS) return false;
  for (let i = 0; i < STAMP_CHARS; i++) {
    const c = buf[start + i] ?? 0;
    const sep = STAMP_SEPARATORS[i];
    if (sep === undefined ? c < 48 || c > 57 : c !== sep) return false;
  }
  return true;
}

/**
 * The stamp of one second as bytes, made again only when the second changes: consecutive
 * entries mostly share it, and a hook printing 1 GiB writes ten million of them.
 */
export class StampBytes {
  /** The current stamp with its trailing space, STAMP_CHARS bytes. */
  readonly bytes = Buffer.alloc(STAMP_CHARS);
  private second = NaN;

  /** Sets the stamp to `at`'s second; true when it changed. */
  set(at: Date): boolean {
    const second = Math.floor(at.getTime() / 1000);
    if (second === this.second) return false;
    this.second = second;
    this.bytes.write(`${formatLogTimestamp(at)} `, 0, 'latin1');
    return true;
  }
}
