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
import { hasStampBytes, STAMP_CHARS, STREAM_CHARS } from '../hooks/log-format.ts';

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

/** ISO time of a scripts.log stamp (the host's local time, to the second). */
function isoOf(stamp: string): string {
  const n = (from: number, to: number): number => Number(stamp.slice(from, to));
  const date = new Date(n(0, 4), n(5, 7) - 1, n(8, 10), n(11, 13), n(14, 16), n(17, 19));
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

function clone(p: ShipPosition): ShipPosition {
  return { offset: p.offset, seqs: { ...p.seqs }, ...(p.event === undefined ? {} : { event: p.event }) };
}

/** True when `buf[at, end)` starts with `prefix`. */
function startsWith(buf: Buffer, at: number, end: number, prefix: Buffer): boolean {
  if (end - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[at + i] !== prefix[i]) return false;
  return true;
}

/**
 * The ISO times of the stamps seen in one read: consecutive lines mostly share their second, so
 * the last stamp's bytes are compared in place (no string made per line) before anything is
 * converted.
 */
class StampCache {
  private readonly stamp = Buffer.alloc(STAMP_CHARS - 1);
  private iso = '';

  isoAt(chunk: Buffer, start: number): string {
    if (this.iso === '' || !startsWith(chunk, start, start + this.stamp.length, this.stamp)) {
      chunk.copy(this.stamp, 0, start, start + this.stamp.length);
      this.iso = isoOf(this.stamp.toString('latin1'));
    }
    return this.iso;
  }
}

const STDOUT = Buffer.from('[stdout]');
const STDERR = Buffer.from('[stderr]');
const HEADER_BYTES = Buffer.from(HEADER);

/**
 * What the entry `chunk[start, end)` is, read from its bytes by fixed positions, which is what
 * the writer produces: a 1 GiB hook output is ten million lines, and each string made per line
 * is garbage for V8 to collect (a capturing regular expression made eight).
 */
function kindOf(chunk: Buffer, start: number, end: number): 'stdout' | 'stderr' | 'header' | undefined {
  if (!hasStampBytes(chunk, start, end)) return undefined;
  const at = start + STAMP_CHARS;
  if (startsWith(chunk, at, end, STDOUT)) return 'stdout';
  if (startsWith(chunk, at, end, STDERR)) return 'stderr';
  return startsWith(chunk, at, end, HEADER_BYTES) ? 'header' : undefined;
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
    const kind = kindOf(chunk, start, nl);
    if (kind === 'header') {
      const name = chunk.toString('utf8', start + STAMP_CHARS + HEADER.length, nl);
      if (LIFECYCLE_EVENT_NAME_PATTERN.test(name)) pos.event = name;
      else delete pos.event;
    } else if (kind !== undefined && pos.event !== undefined) {
      const event = pos.event;
      const seq = (pos.seqs[event] ?? 0) + 1;
      let text = chunk.toString('utf8', start + STAMP_CHARS + STREAM_CHARS, nl);
      if (text.length > LOG_LINE_MAX_CHARS) text = text.slice(0, LOG_LINE_MAX_CHARS);
      const bytes = Buffer.byteLength(text);
      const full = current !== undefined && (current.body.lines.length >= LOG_LINES_PER_FRAME || current.bytes + bytes > LOG_FRAME_TEXT_BYTES);
      if (current === undefined || current.body.lifecycleEvent !== event || full) {
        // The batch before ends here: after its last line and the header lines that followed it.
        if (current !== undefined) current.end = clone(pos);
        current = open(deploymentId, event, seq, pos);
        batches.push(current);
      }
      pos.seqs[event] = seq;
      current.body.lines.push({ at: stamps.isoAt(chunk, start), stream: kind, text });
      current.lastSeq = seq;
      current.bytes += bytes;
    }
    pos.offset = from.offset + nl + 1;
    start = nl + 1;
  }
  if (current !== undefined) current.end = clone(pos);
  return { batches, position: pos };
}
