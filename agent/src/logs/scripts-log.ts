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

/** One output line read back, with the position just after it. */
export interface ReadLine {
  event: string;
  seq: number;
  at: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

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

const ENTRY = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) (.*)$/s;
const HEADER = 'LifecycleEvent - ';

/** ISO time of a scripts.log timestamp (the host's local time, to the second). */
function isoOf(m: RegExpExecArray): string {
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

function clone(p: ShipPosition): ShipPosition {
  return { offset: p.offset, seqs: { ...p.seqs }, ...(p.event === undefined ? {} : { event: p.event }) };
}

/** Applies one entry (a line of the file without its newline) to `pos`; the output line it is, if any. */
function readEntry(entry: string, pos: ShipPosition, stamps: Map<string, string>): ReadLine | undefined {
  const m = ENTRY.exec(entry);
  if (!m) return undefined;
  const rest = m[7] as string;
  const stream = rest.startsWith('[stdout]') ? 'stdout' : rest.startsWith('[stderr]') ? 'stderr' : undefined;
  if (stream === undefined) {
    if (rest.startsWith(HEADER)) {
      const name = rest.slice(HEADER.length);
      if (LIFECYCLE_EVENT_NAME_PATTERN.test(name)) pos.event = name;
      else delete pos.event;
    }
    return undefined;
  }
  if (pos.event === undefined) return undefined;
  const seq = (pos.seqs[pos.event] ?? 0) + 1;
  pos.seqs[pos.event] = seq;
  const stampKey = entry.slice(0, 19);
  let at = stamps.get(stampKey);
  if (at === undefined) {
    at = isoOf(m);
    stamps.set(stampKey, at);
  }
  return { event: pos.event, seq, at, stream, text: rest.slice(8, 8 + LOG_LINE_MAX_CHARS) };
}

/** Starts a batch at `line`. */
function open(deploymentId: string, line: ReadLine, pos: ShipPosition): LogBatch {
  return { body: { deploymentId, lifecycleEvent: line.event, seq: line.seq, lines: [] }, lastSeq: line.seq - 1, bytes: 0, end: pos };
}

/**
 * Reads the complete lines of `chunk` (the file's bytes from `from.offset`) into batches of one
 * event each, within a frame's limits. `position` is where the next read starts: after the last
 * complete line (equal to `from` when the chunk holds none).
 */
export function readBatches(deploymentId: string, chunk: Buffer, from: ShipPosition): { batches: LogBatch[]; position: ShipPosition } {
  const pos = clone(from);
  const batches: LogBatch[] = [];
  const stamps = new Map<string, string>();
  let current: LogBatch | undefined;
  let start = 0;
  for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
    const line = readEntry(chunk.toString('utf8', start, nl), pos, stamps);
    pos.offset = from.offset + nl + 1;
    start = nl + 1;
    if (line !== undefined) {
      const bytes = Buffer.byteLength(line.text);
      const full = current !== undefined && (current.body.lines.length >= LOG_LINES_PER_FRAME || current.bytes + bytes > LOG_FRAME_TEXT_BYTES);
      if (current === undefined || current.body.lifecycleEvent !== line.event || full) {
        current = open(deploymentId, line, pos);
        batches.push(current);
      }
      current.body.lines.push({ at: line.at, stream: line.stream, text: line.text });
      current.lastSeq = line.seq;
      current.bytes += bytes;
    }
    if (current !== undefined) current.end = clone(pos);
  }
  return { batches, position: pos };
}
