/**
 * One lifecycle event's output: appended to scripts.log in CodeDeploy's format, kept as a small
 * tail for the result, and handed line by line to a live sink. Memory stays bounded whatever a
 * script prints: lines are cut at a limit, the tail is capped, and when the disk cannot keep up
 * lines are dropped (and counted) rather than queued without end or pausing the script's pipes.
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
  /** Bytes waiting for the disk beyond which lines are dropped. @default 1048576 */
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
  private dropped = 0;
  private droppedUnnoted = 0;

  constructor(private readonly opts: EventOutputOptions) {
    this.tailBuffer = new TailBuffer(opts.tailChars ?? 4096);
    this.maxLineChars = opts.maxLineChars ?? 16384;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 1024 * 1024;
    this.file = createWriteStream(opts.logFile, { flags: 'a' });
    this.file.on('error', (err) => {
      this.writeError ??= err;
    });
  }

  /** Writes a header such as `LifecycleEvent - AfterInstall`. */
  header(text: string): void {
    this.record(this.opts.clock.now(), text);
  }

  /** Reads `stream` to its end (or destruction) as `stdout`/`stderr` lines. Never rejects. */
  capture(stream: Readable, name: OutputLine['stream']): Promise<void> {
    const splitter = new LineSplitter(this.maxLineChars, (text) => this.line(name, text));
    return new Promise((resolve) => {
      let ended = false;
      const finish = (): void => {
        if (ended) return;
        ended = true;
        splitter.end();
        resolve();
      };
      stream.on('data', (chunk: Buffer) => splitter.write(chunk));
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
    if (this.dropped > 0) notes.push(`${this.dropped} output lines were not written to ${this.opts.logFile} (disk too slow)`);
    return notes;
  }

  /** Flushes and closes the log file. Never rejects. */
  close(): Promise<void> {
    this.flushDroppedNote();
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
    const at = this.opts.clock.now();
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
    if (this.writeError) return;
    if (this.file.writableLength > this.maxQueuedBytes) {
      this.dropped++;
      this.droppedUnnoted++;
      return;
    }
    this.flushDroppedNote();
    this.file.write(`${formatLogTimestamp(at)} ${entry}\n`);
  }

  private flushDroppedNote(): void {
    if (this.droppedUnnoted === 0 || this.writeError || this.file.writableEnded) return;
    const at = formatLogTimestamp(this.opts.clock.now());
    this.file.write(`${at} [deckhand] ${this.droppedUnnoted} lines dropped: the disk could not keep up\n`);
    this.droppedUnnoted = 0;
  }
}
