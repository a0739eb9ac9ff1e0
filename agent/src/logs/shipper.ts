/**
 * Sends one deployment's hook output to the coordinator from the agent's own copy, scripts.log,
 * and never from memory: it reads the file at its own pace (hooks write it whatever happens
 * here, so a slow or absent coordinator never slows a hook), sends a window of frames, and moves
 * the journaled cursor as the coordinator acknowledges them. After a reconnect, an agent restart
 * or a busy coordinator it reads again from the cursor; the coordinator drops what it already has.
 */
import { open } from 'node:fs/promises';
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { AgentLogBody, LogAckBody } from '../../../protocol/src/messages.ts';
import type { LogCursors, ShipPosition } from '../journal/log-cursors.ts';
import { readBatches } from './scripts-log.ts';

/** Sends one agent.log frame: its frame id, `busy` (the socket is backed up) or `offline`. */
export type SendLog = (body: AgentLogBody) => string | 'busy' | 'offline';

/** What a shipper needs. */
export interface ShipperDeps {
  clock: Clock;
  log: Logger;
  cursors: Pick<LogCursors, 'save' | 'isFinished'>;
  send: SendLog;
  /** Told once the whole log is acknowledged (or refused): the shipper is finished. */
  onDone(deploymentId: string): void;
  /**
   * Bytes read from the file at a time: at least one whole line (16,384 characters, at most
   * 3 bytes each in UTF-8, and its prefix). Small, so that what one read becomes (a frame's lines)
   * dies in V8's young generation instead of being promoted. @default 65536
   */
  readBytes?: number;
  /** Line text in flight without an ack. @default 524288 */
  windowBytes?: number;
}

/** A frame sent and not acknowledged yet. */
interface InFlight {
  frameId: string;
  event: string;
  lastSeq: number;
  bytes: number;
  end: ShipPosition;
}

/** How often an unfinished deployment's log is looked at without being woken. */
const POLL_MS = 1000;
/** Delay before reading after a wake: the hook's line is handed to the file just after it is seen. */
const WAKE_MS = 100;
/** The journaled cursor is written at most this often (a lost write only means lines sent twice). */
const SAVE_EVERY_MS = 500;
const BUSY_FIRST_MS = 1000;
const BUSY_MAX_MS = 30_000;

/** Ships one deployment's scripts.log. */
export class LogShipper {
  private acked: ShipPosition;
  private sent: ShipPosition;
  private inFlight: InFlight[] = [];
  private connected = false;
  private pumping = false;
  private again = false;
  private finished = false;
  private timer: TimerHandle | undefined;
  private busyMs = BUSY_FIRST_MS;
  private lastSave = -Infinity;
  /**
   * One read buffer for the shipper's life: readBatches turns a read into strings before the
   * next one starts. A fresh 256 KiB buffer per read outlived the scavenges during its read and
   * was freed only by a full collection: tens of MB resident while a hook printed gigabytes.
   */
  private readBuffer: Buffer | undefined;

  constructor(
    readonly deploymentId: string,
    private readonly logFile: string,
    position: ShipPosition,
    private readonly deps: ShipperDeps,
  ) {
    this.acked = position;
    this.sent = position;
  }

  /** The link is up (welcomed): send on from the acknowledged position. */
  connect(): void {
    this.connected = true;
    this.rewind();
    this.schedule(0);
  }

  /** The link is down: nothing is sent until the next connect. */
  disconnect(): void {
    this.connected = false;
    this.cancelTimer();
  }

  /** New output was written (or may have been): read soon. */
  wake(): void {
    if (this.timer === undefined && !this.pumping) this.schedule(WAKE_MS);
    else if (this.pumping) this.again = true;
  }

  /** Stops timers and writes the cursor. */
  stop(): void {
    this.cancelTimer();
    this.finished = true;
    this.save(false);
  }

  /** The coordinator's answer to one of this deployment's frames. */
  onAck(ack: LogAckBody): void {
    const index = this.inFlight.findIndex((f) => f.frameId === ack.frameId);
    if (index === -1) return; // An answer to a frame sent before a rewind: what it says is re-sent anyway.
    const frame = this.inFlight[index] as InFlight;
    if (ack.status === 'refused') {
      this.deps.log.warn('the coordinator refused this deployment\'s hook output; not sending more', { deploymentId: this.deploymentId });
      this.finish();
      return;
    }
    if (ack.status === 'stored' && ack.seq >= frame.lastSeq) {
      this.inFlight.splice(0, index + 1);
      this.acked = frame.end;
      this.busyMs = BUSY_FIRST_MS;
      this.save(false);
      this.schedule(0);
      return;
    }
    // Busy, or the coordinator holds less than the frame needed before it: send again from the cursor.
    this.rewind();
    const delay = ack.status === 'busy' ? this.busyMs : 0;
    if (ack.status === 'busy') this.busyMs = Math.min(this.busyMs * 2, BUSY_MAX_MS);
    this.schedule(delay);
  }

  private rewind(): void {
    this.inFlight = [];
    this.sent = this.acked;
  }

  private schedule(ms: number): void {
    if (this.finished || !this.connected) return;
    this.cancelTimer();
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        await this.sendSome();
      } while (this.again && this.connected && !this.finished);
    } catch (err) {
      this.deps.log.warn('reading hook output for the coordinator failed; retrying', { deploymentId: this.deploymentId, error: (err as Error).message });
      this.schedule(POLL_MS);
    } finally {
      this.pumping = false;
    }
  }

  /** Sends frames while the window allows; schedules the next look when the file has no more. */
  private async sendSome(): Promise<void> {
    const window = this.deps.windowBytes ?? 512 * 1024;
    while (this.connected && !this.finished) {
      if (this.inFlight.reduce((n, f) => n + f.bytes, 0) >= window) return;
      // Asked before the read: every line is in the file before the outcome is journaled.
      const over = this.deps.cursors.isFinished(this.deploymentId);
      const chunk = await this.read(this.sent.offset);
      if (chunk === undefined) return this.missingFile();
      const { batches, position } = readBatches(this.deploymentId, chunk, this.sent);
      if (position.offset === this.sent.offset) return this.atEnd(over, chunk.length);
      for (const batch of batches) {
        const frameId = this.deps.send(batch.body);
        if (frameId === 'offline') return;
        if (frameId === 'busy') return this.schedule(200);
        this.inFlight.push({ frameId, event: batch.body.lifecycleEvent, lastSeq: batch.lastSeq, bytes: batch.bytes, end: batch.end });
        this.sent = batch.end;
      }
      this.sent = position;
      // Only headers since the last ack: nothing for the coordinator to confirm.
      if (this.inFlight.length === 0) this.acked = position;
    }
  }

  /** Nothing more to read now: done when the deployment is over, else look again later. */
  private atEnd(over: boolean, unreadBytes: number): void {
    if (unreadBytes > 0 && unreadBytes >= (this.deps.readBytes ?? 64 * 1024)) {
      // A read full of bytes without a newline: not scripts.log as the agent writes it. Skip it.
      this.deps.log.warn('scripts.log has an overlong line; skipping it', { deploymentId: this.deploymentId, offset: this.sent.offset });
      this.sent = { ...this.sent, offset: this.sent.offset + unreadBytes };
      this.schedule(0);
      return;
    }
    if (over && this.inFlight.length === 0) return this.finish();
    if (!over) this.schedule(POLL_MS);
  }

  private missingFile(): void {
    if (this.deps.cursors.isFinished(this.deploymentId) && this.inFlight.length === 0) {
      // Deleted by retention, or the deployment never ran a hook: nothing (more) to send.
      this.finish();
      return;
    }
    this.schedule(POLL_MS);
  }

  private finish(): void {
    this.cancelTimer();
    this.finished = true;
    this.save(true);
    this.deps.onDone(this.deploymentId);
  }

  private save(done: boolean): void {
    const now = this.deps.clock.monotonicMs();
    if (!done && now - this.lastSave < SAVE_EVERY_MS && !this.finished) return;
    this.lastSave = now;
    try {
      this.deps.cursors.save(this.deploymentId, this.acked, this.deps.clock.now(), done);
    } catch (err) {
      // Only the restart path depends on it: lines would be sent again, and the coordinator drops them.
      this.deps.log.warn('saving the hook output cursor failed', { deploymentId: this.deploymentId, error: (err as Error).message });
    }
  }

  /** Up to readBytes of the file from `offset`; undefined when there is no file. */
  private async read(offset: number): Promise<Buffer | undefined> {
    let handle;
    try {
      handle = await open(this.logFile, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const buffer = (this.readBuffer ??= Buffer.allocUnsafe(this.deps.readBytes ?? 64 * 1024));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
}
