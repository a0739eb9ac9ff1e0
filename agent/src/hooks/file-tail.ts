/**
 * Follows a file another process appends to (a script's stdout or stderr file), handing what it
 * reads to a copier, so the script's output reaches scripts.log while it runs without a pipe
 * tying the script's life to the agent's. Each read starts where the copier's last whole line
 * ended, so a position that was copied is always the start of a line: that is the position an
 * agent restarted mid-hook resumes from. One read buffer serves the follower's life.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';

/** Options of {@link FileFollower}. */
export interface FileFollowerOptions {
  file: string;
  clock: Clock;
  /** Byte offset to start at (what an earlier agent already copied). @default 0 */
  start?: number;
  /** How often to look for new bytes while the writer may still write. @default 50 */
  pollMs?: number;
  /** Largest read. @default 65536 */
  readBytes?: number;
}

/**
 * Copies `buf[0, bytes)`; resolves with the bytes consumed (whole lines, unless `final`: then
 * everything, the file has no more).
 */
export type CopyLines = (buf: Buffer, bytes: number, final: boolean) => Promise<number>;

/** Reads a growing file into a copier until {@link finish} (to its current end) or {@link stop}. */
export class FileFollower {
  /** Resolves once the follower has stopped reading. Never rejects. */
  readonly done: Promise<void>;
  private position: number;
  private finishing = false;
  private stopped = false;
  private timer: TimerHandle | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly opts: FileFollowerOptions,
    private readonly copy: CopyLines,
    private readonly onCopied?: (position: number) => void,
  ) {
    this.position = opts.start ?? 0;
    this.done = this.run();
  }

  /** The writer is done: copy what is left, then stop. */
  finish(): void {
    this.finishing = true;
    this.wakeUp();
  }

  /** Stop now, leaving the rest of the file uncopied. */
  stop(): void {
    this.stopped = true;
    this.wakeUp();
  }

  private async run(): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.opts.file, 'r');
      const buffer = Buffer.allocUnsafe(this.opts.readBytes ?? 65536);
      while (!this.stopped) {
        // `finishing` is read before the read: bytes written before finish() are then all seen.
        const last = this.finishing;
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.position);
        if (this.stopped) return;
        const atEnd = bytesRead < buffer.length;
        const consumed = bytesRead === 0 ? 0 : await this.copy(buffer, bytesRead, last && atEnd);
        if (consumed > 0) {
          this.position += consumed;
          this.onCopied?.(this.position);
        }
        if (last && (atEnd || consumed === 0)) return;
        if (!last && (atEnd || consumed === 0)) await this.pause();
      }
    } catch {
      // A read error (the file is gone, say) ends the copy as the end of the file does.
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  /** Waits a poll interval, or less if finish() or stop() comes. */
  private pause(): Promise<void> {
    if (this.finishing || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = this.opts.clock.setTimeout(() => this.wakeUp(), this.opts.pollMs ?? 50);
    });
  }

  private wakeUp(): void {
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
