/**
 * Follows a file another process appends to (a hook's stdout or stderr file) as a Readable, so
 * the script's output reaches scripts.log and the live sink while it runs, without a pipe tying
 * the script's life to the agent's. Chunks end on a line boundary (unless a line is longer than
 * the read size), so a byte offset that was consumed is always the start of a line: that is the
 * offset an agent restarted mid-hook resumes from.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';

/** Options of {@link FileTail}. */
export interface FileTailOptions {
  file: string;
  clock: Clock;
  /** Byte offset to start at (what an earlier agent already copied). @default 0 */
  start?: number;
  /** How often to look for new bytes while the writer may still write. @default 50 */
  pollMs?: number;
  /** Largest read. @default 65536 */
  chunkBytes?: number;
}

/** A Readable over the bytes appended to a file; {@link finish} makes it end at the file's current end. */
export class FileTail extends Readable {
  private handle: FileHandle | undefined;
  private position: number;
  private carry = Buffer.alloc(0);
  /** Reused for every read: what is pushed is a copy (Buffer.concat), so the next read may overwrite it. */
  private readBuffer: Buffer | undefined;
  private finishing = false;
  private timer: TimerHandle | undefined;
  private readonly pollMs: number;
  private readonly chunkBytes: number;

  constructor(private readonly opts: FileTailOptions) {
    super();
    this.position = opts.start ?? 0;
    this.pollMs = opts.pollMs ?? 50;
    this.chunkBytes = opts.chunkBytes ?? 65536;
  }

  /** The writer is done: read what is left, then end. */
  finish(): void {
    this.finishing = true;
    if (this.timer !== undefined) {
      this.opts.clock.clearTimeout(this.timer);
      this.timer = undefined;
      this.pull();
    }
  }

  override _read(): void {
    this.pull();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    const handle = this.handle;
    this.handle = undefined;
    if (handle === undefined) callback(err);
    else void handle.close().then(() => callback(err), () => callback(err));
  }

  private pull(): void {
    void this.readSome().catch((err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))));
  }

  private async readSome(): Promise<void> {
    this.handle ??= await open(this.opts.file, 'r');
    // One buffer per tail rather than one per read: gigabytes of output made as many megabytes
    // of garbage per second, which the young generation then held as resident memory.
    const buffer = (this.readBuffer ??= Buffer.allocUnsafe(this.chunkBytes));
    // `finishing` is read before the read: bytes written before finish() are then all seen.
    const last = this.finishing;
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.position);
    if (this.destroyed) return;
    this.position += bytesRead;
    const data = Buffer.concat([this.carry, buffer.subarray(0, bytesRead)]);
    const cut = last && bytesRead === 0 ? data.length : lineBoundary(data, this.chunkBytes);
    this.carry = data.subarray(cut);
    if (cut > 0) {
      this.push(data.subarray(0, cut));
      return;
    }
    if (last && bytesRead === 0) {
      this.push(null);
      return;
    }
    // finish() may have come while this read was in flight: read again at once, as the last one.
    if (bytesRead > 0 || this.finishing) this.pull();
    else this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      this.pull();
    }, this.pollMs);
  }
}

/** Bytes of `data` through its last newline; all of it once it reaches `max` without one. */
function lineBoundary(data: Buffer, max: number): number {
  const nl = data.lastIndexOf(10);
  if (nl !== -1) return nl + 1;
  return data.length >= max ? data.length : 0;
}
