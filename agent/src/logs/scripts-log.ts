/**
 * Reads hook output back from a deployment's scripts.log (CodeDeploy's format, written by
 * hooks/output.ts) as numbered lines: `YYYY-MM-DD HH:MM:SS LifecycleEvent - X` starts event X's
 * section, `YYYY-MM-DD HH:MM:SS [stdout]text` is one of its lines. A line's number (seq) counts
 * the event's output lines from 1 through the whole file, so reading the same bytes again gives
 * the same numbers: the coordinator keeps each (host, event, seq) once, whoever sends it twice.
 * A script cannot forge a header: every output line starts with its [stdout]/[stderr] prefix.
 */
import type { AgentLogBody } from '../../../protocol/src/messages.ts';
import { LIFECYCLE_EVENT_NAME_PATTERN } from '../../../protocol/src/schemas.ts';
import { LOG_FRAME_TEXT_BYTES, LOG_LINE_MAX_CHARS, LOG_LINES_PER_FRAME } from '../../../protocol/src/wire.ts';
import type { ShipPosition } from '../journal/log-cursors.ts';

/** A frame's worth of consecutive lines of one event, and where the file stands after them. */
export interface LogBatch {
  body: AgentLogBody;
  /** The seq of its last line. */
  lastSeq: number;
  /** Bytes of line text it carries. */
  bytes: number;
  /** The position after its last line (and any header lines that follow it in the same read). */
  end: ShipPosition;
}

const HEADER = 'LifecycleEvent - ';
/** `YYYY-MM-DD HH:MM:SS `: the stamp and the space after it. */
const STAMP_CHARS = 20;
/** Where each character of a stamp is a digit (the others are `-`, ` ` and `:`). */
const STAMP_SEPARATORS: Record<number, number> = { 4: 45, 7: 45, 10: 32, 13: 58, 16: 58, 19: 32 };
const STREAM_CHARS = '[stdout]'.length;

/** True when `entry` starts with a well-formed `YYYY-MM-DD HH:MM:SS ` stamp. */
function hasStamp(entry: string): boolean {
  if (entry.length < STAMP_CHARS) return false;
  for (let i = 0; i < STAMP_CHARS; i++) {
    const c = entry.charCodeAt(i);
    const sep = STAMP_SEPARATORS[i];
    if (sep === undefined ? c < 48 || c > 57 : c !== sep) return false;
  }
  return true;
}

/** ISO time of a scripts.log stamp (the host's local time, to the second). */
function isoOf(entry: string): string {
  const n = (from: number, to: number): number => Number(entry.slice(from, to));
  const date = new Date(n(0, 4), n(5, 7) - 1, n(8, 10), n(11, 13), n(14, 16), n(17, 19));
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

function clone(p: ShipPosition): ShipPosition {
  return { offset: p.offset, seqs: { ...p.seqs }, ...(p.event === undefined ? {} : { event: p.event }) };
}

/**
 * The ISO times of the stamps seen in one read: consecutive lines mostly share their second, so
 * the last one is compared in place (no string made per line) before anything is converted.
 */
class StampCache {
  private stamp = '';
  private iso = '';

  isoOf(entry: string): string {
    if (this.stamp === '' || !entry.startsWith(this.stamp)) {
      this.stamp = entry.slice(0, STAMP_CHARS - 1);
      this.iso = isoOf(entry);
    }
    return this.iso;
  }
}

/** What one entry of the file (a line without its newline) is. */
type Entry = { kind: 'header'; event: string | undefined } | { kind: 'line'; stream: 'stdout' | 'stderr' } | undefined;

/**
 * Reads one entry by fixed positions, which is what the writer produces: parsing 10 million
 * lines of a 1 GiB hook output with a capturing regular expression made eight strings a line.
 */
function parseEntry(entry: string): Entry {
  if (!hasStamp(entry)) return undefined;
  if (entry.startsWith('[stdout]', STAMP_CHARS)) return { kind: 'line', stream: 'stdout' };
  if (entry.startsWith('[stderr]', STAMP_CHARS)) return { kind: 'line', stream: 'stderr' };
  if (!entry.startsWith(HEADER, STAMP_CHARS)) return undefined;
  const name = entry.slice(STAMP_CHARS + HEADER.length);
  return { kind: 'header', event: LIFECYCLE_EVENT_NAME_PATTERN.test(name) ? name : undefined };
}

/** Starts a batch at the line numbered `seq` of `event`. */
function open(deploymentId: string, event: string, seq: number, pos: ShipPosition): LogBatch {
  return { body: { deploymentId, lifecycleEvent: event, seq, lines: [] }, lastSeq: seq - 1, bytes: 0, end: pos };
}

/**
 * Reads the complete lines of `chunk` (the file's bytes from `from.offset`) into batches of one
 * event each, within a frame's limits. `position` is where the next read starts: after the last
 * complete line (equal to `from` when the chunk holds none).
 */
export function readBatches(deploymentId: string, chunk: Buffer, from: ShipPosition): { batches: LogBatch[]; position: ShipPosition } {
  const pos = clone(from);
  const batches: LogBatch[] = [];
  const stamps = new StampCache();
  let current: LogBatch | undefined;
  let start = 0;
  for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
    const entry = chunk.toString('utf8', start, nl);
    const parsed = parseEntry(entry);
    if (parsed?.kind === 'header') {
      if (parsed.event === undefined) delete pos.event;
      else pos.event = parsed.event;
    } else if (parsed?.kind === 'line' && pos.event !== undefined) {
      const event = pos.event;
      const seq = (pos.seqs[event] ?? 0) + 1;
      const text = entry.slice(STAMP_CHARS + STREAM_CHARS, STAMP_CHARS + STREAM_CHARS + LOG_LINE_MAX_CHARS);
      const bytes = Buffer.byteLength(text);
      const full = current !== undefined && (current.body.lines.length >= LOG_LINES_PER_FRAME || current.bytes + bytes > LOG_FRAME_TEXT_BYTES);
      if (current === undefined || current.body.lifecycleEvent !== event || full) {
        // The batch before ends here: after its last line and the header lines that followed it.
        if (current !== undefined) current.end = clone(pos);
        current = open(deploymentId, event, seq, pos);
        batches.push(current);
      }
      pos.seqs[event] = seq;
      current.body.lines.push({ at: stamps.isoOf(entry), stream: parsed.stream, text });
      current.lastSeq = seq;
      current.bytes += bytes;
    }
    pos.offset = from.offset + nl + 1;
    start = nl + 1;
  }
  if (current !== undefined) current.end = clone(pos);
  return { batches, position: pos };
}
