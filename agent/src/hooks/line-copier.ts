/**
 * Turns one stream's raw output into scripts.log entries, byte for byte: each complete line gets
 * the stamp and its `[stdout]`/`[stderr]` prefix and goes into a buffer kept for the copier's
 * life. No string is made for an ordinary line, so a hook printing gigabytes makes next to no
 * garbage: made line by line as strings, ten million lines were a hundred million short-lived
 * objects, and V8's heap, not the output, set the agent's memory. A line longer than the limit
 * is cut, marked, and the rest of it discarded up to the next newline.
 */
import type { StampBytes } from './log-format.ts';
import { STAMP_CHARS, STREAM_CHARS } from './log-format.ts';

/** Appended to a line that was cut at the length limit. */
export const TRUNCATED_MARKER = ' [deckhand: line truncated]';

const NL = 10;
const CR = 13;
const PREFIX_BYTES = STAMP_CHARS + STREAM_CHARS;

/** Options of {@link LineCopier}. */
export interface LineCopierOptions {
  /** Longest line kept whole, in characters (UTF-16 units, as JavaScript counts them). */
  maxLineChars: number;
  /** The largest piece of input handed to {@link LineCopier.take} at once. */
  readBytes: number;
  /** Told each line's text; only when given is a line decoded into a string. */
  onLine?: (text: string) => void;
}

/** Copies one stream's lines into entries; {@link out} holds them until they are written. */
export class LineCopier {
  /** Entries ready to be written: `out[0, used)`. */
  readonly out: Buffer;
  used = 0;
  /** Entries in `out`. */
  entries = 0;
  private readonly prefix: Buffer;
  private readonly maxLineChars: number;
  private discarding = false;

  constructor(stream: 'stdout' | 'stderr', private readonly opts: LineCopierOptions) {
    this.maxLineChars = opts.maxLineChars;
    // A line that fits in one read is at most readBytes; a cut one at most 3 bytes per character.
    const longest = PREFIX_BYTES + Math.max(opts.readBytes, 3 * opts.maxLineChars + Buffer.byteLength(TRUNCATED_MARKER)) + 1;
    if (opts.readBytes < 3 * opts.maxLineChars + 2) {
      throw new RangeError(`readBytes (${opts.readBytes}) must hold a whole line of maxLineChars (${opts.maxLineChars}) characters: at least ${3 * opts.maxLineChars + 2}`);
    }
    this.out = Buffer.allocUnsafe(2 * longest);
    this.prefix = Buffer.alloc(PREFIX_BYTES);
    this.prefix.write(`[${stream}]`, STAMP_CHARS, 'latin1');
  }

  /** The stamp the next entries carry. */
  stamp(stamp: StampBytes): void {
    stamp.bytes.copy(this.prefix, 0);
  }

  /** Forgets the entries in `out` once they are written. */
  reset(): void {
    this.used = 0;
    this.entries = 0;
  }

  /**
   * Copies the complete lines of `src[start, end)` into `out`, as many as fit, and returns the
   * bytes of `src` consumed. `final`: nothing follows, so an unterminated last line is a line.
   * `whole`: `src[start, end)` is a full read, so a line without its newline in it is over-long.
   */
  take(src: Buffer, start: number, end: number, final: boolean, whole: boolean): number {
    let pos = start;
    while (pos < end) {
      let nl = src.indexOf(NL, pos);
      if (nl >= end) nl = -1;
      if (this.discarding) {
        if (nl === -1) return end - start;
        this.discarding = false;
        pos = nl + 1;
        continue;
      }
      if (nl === -1 && !final) {
        // A partial line: wait for the rest, unless no newline can come within a read.
        if (!whole || pos !== start) break;
        if (!this.cutFits()) break;
        this.cut(src.toString('utf8', pos, end));
        this.discarding = true;
        return end - start;
      }
      const lineEnd = nl === -1 ? end : nl;
      if (!this.entry(src, pos, lineEnd)) break;
      pos = nl === -1 ? end : nl + 1;
    }
    return pos - start;
  }

  /** Adds one line's entry; false when `out` has no room for it (write it out first). */
  private entry(src: Buffer, start: number, end: number): boolean {
    if (end - start > this.maxLineChars) {
      const text = src.toString('utf8', start, end);
      if (text.length > this.maxLineChars) {
        if (!this.cutFits()) return false;
        this.cut(text);
        return true;
      }
    }
    const stop = end > start && src[end - 1] === CR ? end - 1 : end;
    const size = PREFIX_BYTES + (stop - start) + 1;
    if (this.used + size > this.out.length) return false;
    this.prefix.copy(this.out, this.used);
    src.copy(this.out, this.used + PREFIX_BYTES, start, stop);
    this.out[this.used + size - 1] = NL;
    this.used += size;
    this.entries++;
    this.opts.onLine?.(src.toString('utf8', start, stop));
    return true;
  }

  private cutFits(): boolean {
    return this.used + PREFIX_BYTES + 3 * this.maxLineChars + Buffer.byteLength(TRUNCATED_MARKER) + 1 <= this.out.length;
  }

  private cut(line: string): void {
    const text = line.slice(0, this.maxLineChars) + TRUNCATED_MARKER;
    this.prefix.copy(this.out, this.used);
    const bytes = this.out.write(text, this.used + PREFIX_BYTES, 'utf8');
    this.out[this.used + PREFIX_BYTES + bytes] = NL;
    this.used += PREFIX_BYTES + bytes + 1;
    this.entries++;
    this.opts.onLine?.(text);
  }
}
