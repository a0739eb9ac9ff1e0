/**
 * The last bytes of what an event wrote to scripts.log, kept in one fixed ring, from which its
 * tail (the last few KB of headers and lines, for the failure message) is read when the event is
 * over: no string is kept per line while a hook prints.
 */
import { hasStamp, STAMP_CHARS } from './log-format.ts';
import { TailBuffer } from './tail.ts';

/** A ring of the last `size` bytes pushed. */
export class RecentBytes {
  private readonly ring: Buffer;
  /** Bytes pushed in all. */
  private total = 0;

  constructor(size: number) {
    this.ring = Buffer.alloc(size);
  }

  /** Appends `src[start, end)`, of which only the last ring's worth stays. */
  push(src: Buffer, start: number, end: number): void {
    const size = this.ring.length;
    const skipped = Math.max(0, end - start - size);
    this.total += skipped;
    let from = start + skipped;
    while (from < end) {
      const at = this.total % size;
      const n = Math.min(end - from, size - at);
      src.copy(this.ring, at, from, from + n);
      from += n;
      this.total += n;
    }
  }

  /** The kept bytes in order, and whether they start at the first byte ever pushed. */
  contents(): { bytes: Buffer; fromStart: boolean } {
    const size = this.ring.length;
    if (this.total <= size) return { bytes: this.ring.subarray(0, this.total), fromStart: true };
    const at = this.total % size;
    return { bytes: Buffer.concat([this.ring.subarray(at), this.ring.subarray(0, at)]), fromStart: false };
  }

  /**
   * The last `limit` characters of the kept entries without their stamps, joined by newlines
   * (whole entries while they fit; a single longer one keeps its end).
   */
  tailText(limit: number): string {
    const { bytes, fromStart } = this.contents();
    let text = bytes.toString('utf8');
    // The first entry was cut by the ring unless the ring holds everything since the start.
    if (!fromStart) text = text.slice(text.indexOf('\n') + 1);
    const tail = new TailBuffer(limit);
    for (const entry of text.split('\n')) {
      if (entry === '') continue;
      tail.push(hasStamp(entry) ? entry.slice(STAMP_CHARS) : entry);
    }
    return tail.text();
  }
}
