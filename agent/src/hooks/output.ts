/**
 * One lifecycle event's output: its scripts' output files copied into scripts.log in CodeDeploy's
 * format as they grow, the last few KB kept for the result, listeners told as it is written.
 * Every line is kept and memory stays bounded whatever a script prints: each stream is copied
 * through one read buffer and one buffer of entries, both kept for the copy's life, and the next
 * read waits until the entries are written, so the disk sets the pace (the script itself never
 * waits: it writes to its own file). Lines are cut at a limit.
 */
import { close, openSync, write } from 'node:fs';
import type { Clock } from '../../../common/src/clock.ts';
import { FileFollower } from './file-tail.ts';
import { LineCopier } from './line-copier.ts';
import { StampBytes } from './log-format.ts';
import { RecentBytes } from './recent-bytes.ts';
import type { OutputLine } from './types.ts';

export { formatLogTimestamp } from './log-format.ts';

/** Options of {@link EventOutput}. */
export interface EventOutputOptions {
  /** Append-only log, created if missing (its directory must exist). */
  logFile: string;
  clock: Clock;
  /** Told every line as it is copied; lines are decoded into strings only when this is given. */
  onLine?: (line: OutputLine) => void;
  /** Told each time output lines have been written to the log file. */
  onOutput?: () => void;
  /** @default 4096 */
  tailChars?: number;
  /** @default 16384 */
  maxLineChars?: number;
  /** Bytes read from an output file at a time; at least three bytes per character of a line. @default 65536 */
  readBytes?: number;
}

/** Writes `buf[offset, offset + length)` at the end of `fd`; resolves with the bytes written. */
function writeFd(fd: number, buf: Buffer, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => write(fd, buf, offset, length, null, (err, n) => (err ? reject(err) : resolve(n))));
}

/** Writes and remembers one event's output. Call {@link close} when the event is over. */
export class EventOutput {
  private fd: number | undefined;
  private writeError: Error | undefined;
  /** The last write handed to the file: writes go out one at a time, in order. */
  private writing: Promise<void> = Promise.resolve();
  private readonly recent: RecentBytes;
  private readonly stamp = new StampBytes();
  private readonly tailChars: number;
  private readonly maxLineChars: number;
  private readonly readBytes: number;

  constructor(private readonly opts: EventOutputOptions) {
    this.tailChars = opts.tailChars ?? 4096;
    this.maxLineChars = opts.maxLineChars ?? 16384;
    this.readBytes = opts.readBytes ?? 65536;
    this.recent = new RecentBytes(Math.max(64 * 1024, 16 * this.tailChars));
    try {
      this.fd = openSync(opts.logFile, 'a');
    } catch (err) {
      this.writeError = err as Error;
    }
  }

  /** Writes a header such as `LifecycleEvent - AfterInstall`. */
  header(text: string): void {
    this.stamp.set(this.opts.clock.now());
    const entry = Buffer.concat([this.stamp.bytes, Buffer.from(`${text}\n`)]);
    void this.write(entry, entry.length);
  }

  /**
   * Copies `file` (a script's stdout or stderr, which the script may still be writing) from byte
   * `start` into the log as `stream` lines, until the follower is finished or stopped.
   * `onCopied` gets the file position up to which lines have been handed to the log file.
   */
  follow(file: string, stream: OutputLine['stream'], start: number, onCopied?: (position: number) => void): FileFollower {
    let at = this.opts.clock.now();
    const onLine = this.opts.onLine;
    const copier = new LineCopier(stream, {
      maxLineChars: this.maxLineChars,
      readBytes: this.readBytes,
      ...(onLine === undefined ? {} : { onLine: (text: string) => onLine({ at, stream, text }) }),
    });
    const copy = async (buf: Buffer, bytes: number, final: boolean): Promise<number> => {
      // One time for what one read brought: its lines share it.
      at = this.opts.clock.now();
      this.stamp.set(at);
      copier.stamp(this.stamp);
      return this.copy(copier, buf, bytes, final);
    };
    return new FileFollower({ file, clock: this.opts.clock, start, readBytes: this.readBytes }, copy, onCopied);
  }

  /** The last few KB of headers and lines, without timestamps. */
  tail(): string {
    return this.recent.tailText(this.tailChars);
  }

  /** Problems writing scripts.log, if any, as human-readable notes. */
  problems(): string[] {
    return this.writeError ? [`could not write ${this.opts.logFile}: ${this.writeError.message}`] : [];
  }

  /** Waits for every write, then closes the log file. Never rejects. */
  async close(): Promise<void> {
    await this.writing;
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await new Promise<void>((resolve) => close(fd, () => resolve()));
  }

  /** Turns `buf[0, bytes)` into entries and writes them; the bytes consumed (whole lines). */
  private async copy(copier: LineCopier, buf: Buffer, bytes: number, final: boolean): Promise<number> {
    let offset = 0;
    for (;;) {
      const took = copier.take(buf, offset, bytes, final, offset === 0 && bytes === buf.length);
      offset += took;
      if (copier.used > 0) {
        await this.write(copier.out, copier.used);
        copier.reset();
        this.opts.onOutput?.();
      }
      if (took === 0 || offset >= bytes) return offset;
    }
  }

  /** Queues `buf[0, length)` for the log file; resolves once written (or failed). Never rejects. */
  private write(buf: Buffer, length: number): Promise<void> {
    this.recent.push(buf, 0, length);
    const next = this.writing.then(() => this.writeAll(buf, length));
    this.writing = next;
    return next;
  }

  private async writeAll(buf: Buffer, length: number): Promise<void> {
    let offset = 0;
    while (offset < length && this.fd !== undefined && this.writeError === undefined) {
      try {
        offset += await writeFd(this.fd, buf, offset, length - offset);
      } catch (err) {
        // Disk full, say: the output is still consumed (the script must not wait on it) and the
        // problem is reported with the result; the tail keeps what could not be written.
        this.writeError = err as Error;
      }
    }
  }
}
