/**
 * One lifecycle event's output: appended to scripts.log in CodeDeploy's format, kept as a small
 * tail for the result, and handed line by line to a live sink. Every line is kept and memory
 * stays bounded whatever a script prints: lines are cut at a limit, the tail is capped, and when
 * the disk falls behind the script's pipes are paused until the log file has drained, so the
 * script waits on a full pipe for as long as the disk needs (the slowest part sets the pace,
 * nothing is queued without end and nothing is dropped).
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Clock } from '../../../common/src/clock.ts';
import { LineSplitter } from './lines.ts';
import { TailBuffer } from './tail.ts';
import type { OutputLine } from './types.ts';

/** Options of {@link EventOutput}. */
export interface EventOutputOptions {
  /** Append-only log, created if missing (its directory must exist). */
  logFile: string;
  clock: Clock;
  onLine?: (line: OutputLine) => void;
  /** @default 4096 */
  tailChars?: number;
  /** @default 16384 */
  maxLineChars?: number;
  /** Bytes waiting for the disk beyond which the pipes are paused. @default 262144 (256 KiB) */
  maxQueuedBytes?: number;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in local time, as CodeDeploy's `Time.now.to_s` without the zone. */
export function formatLogTimestamp(d: Date): string {
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Writes and remembers one event's output. Call {@link close} when the event is over. */
export class EventOutput {
  private readonly file: WriteStream;
  private readonly tailBuffer: TailBuffer;
  private readonly maxLineChars: number;
  private readonly maxQueuedBytes: number;
  private writeError: Error | undefined;
  /** Streams paused until the log file drains. */
  private readonly paused = new Set<Readable>();
  /** Log text not yet handed to the file: one write per chunk read, not one per line. */
  private pending = '';
  private stampSecond = NaN;
  private stamp = '';
  /**
   * When the chunk being split was read: its lines share it. One Date per chunk rather than one
   * per line, which was ten million objects for a hook printing 1 GiB.
   */
  private readAt: Date | undefined;

  constructor(private readonly opts: EventOutputOptions) {
    this.tailBuffer = new TailBuffer(opts.tailChars ?? 4096);
    this.maxLineChars = opts.maxLineChars ?? 16384;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 256 * 1024;
    // The high-water mark is the pause threshold: past it write() returns false, so 'drain' follows.
    this.file = createWriteStream(opts.logFile, { flags: 'a', highWaterMark: this.maxQueuedBytes });
    this.file.on('error', (err) => {
      this.writeError ??= err;
      this.resumeAll();
    });
    this.file.on('drain', () => this.resumeAll());
  }

  /** Writes a header such as `LifecycleEvent - AfterInstall`. */
  header(text: string): void {
    this.record(this.opts.clock.now(), text);
    this.flush();
  }

  /**
   * Reads `stream` to its end (or destruction) as `stdout`/`stderr` lines. Never rejects.
   * `onWritten` gets the size of each chunk once its lines have been handed to the log file.
   */
  capture(stream: Readable, name: OutputLine['stream'], onWritten?: (bytes: number) => void): Promise<void> {
    const splitter = new LineSplitter(this.maxLineChars, (text) => this.line(name, text));
    return new Promise((resolve) => {
      let ended = false;
      const finish = (): void => {
        if (ended) return;
        ended = true;
        this.readAt = this.opts.clock.now();
        splitter.end();
        this.readAt = undefined;
        this.flush();
        // Resolve only once every chunk's onWritten has run: callers save the copy position
        // right after, and a position behind the log makes a resumed agent copy lines twice.
        this.afterWrites(resolve);
      };
      stream.on('data', (chunk: Buffer) => {
        this.readAt = this.opts.clock.now();
        splitter.write(chunk);
        this.readAt = undefined;
        this.flush(onWritten === undefined ? undefined : () => onWritten(chunk.length));
        this.throttle(stream);
      });
      stream.once('end', finish);
      stream.once('close', finish);
      // A read error ends the capture like EOF does; 'close' follows and resolves.
      stream.on('error', () => undefined);
    });
  }

  /** The last few KB of headers and lines, without timestamps. */
  tail(): string {
    return this.tailBuffer.text();
  }

  /** Problems writing scripts.log, if any, as human-readable notes. */
  problems(): string[] {
    const notes: string[] = [];
    if (this.writeError) notes.push(`could not write ${this.opts.logFile}: ${this.writeError.message}`);
    return notes;
  }

  /** Flushes and closes the log file. Never rejects. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.writeError || this.file.closed) {
        resolve();
        return;
      }
      this.file.once('close', () => resolve());
      this.file.once('error', () => resolve());
      this.file.end();
    });
  }

  private line(stream: OutputLine['stream'], text: string): void {
    const at = this.readAt ?? this.opts.clock.now();
    this.record(at, `[${stream}]${text}`);
    try {
      this.opts.onLine?.({ at, stream, text });
    } catch {
      // The sink is documented as never throwing; if it does, a broken live stream must not
      // stop the hook or lose the log, so the line is still recorded above.
    }
  }

  private record(at: Date, entry: string): void {
    this.tailBuffer.push(entry);
    this.pending += `${this.timestamp(at)} ${entry}\n`;
  }

  /** The formatted timestamp, computed once per second rather than once per line. */
  private timestamp(at: Date): string {
    const second = Math.floor(at.getTime() / 1000);
    if (second !== this.stampSecond) {
      this.stampSecond = second;
      this.stamp = formatLogTimestamp(at);
    }
    return this.stamp;
  }

  /** Hands pending text to the file; `written` runs once the file has taken it (or at once if there is none). */
  private flush(written?: () => void): void {
    if (this.pending === '' || this.writeError || this.file.writableEnded) {
      this.pending = '';
      written?.();
      return;
    }
    this.file.write(this.pending, written === undefined ? undefined : () => written());
    this.pending = '';
  }

  /** Calls `done` once every write handed to the log file so far has completed. */
  private afterWrites(done: () => void): void {
    if (this.writeError || this.file.writableEnded || this.file.writableLength === 0) {
      done();
      return;
    }
    // An empty write completes after every write queued before it.
    this.file.write('', () => done());
  }

  /** Pauses `stream` while more than maxQueuedBytes wait for the disk; 'drain' resumes it. */
  private throttle(stream: Readable): void {
    if (this.writeError || !this.file.writableNeedDrain) return;
    this.paused.add(stream);
    stream.pause();
  }

  private resumeAll(): void {
    for (const stream of this.paused) stream.resume();
    this.paused.clear();
  }
}
