/**
 * The zip file being extracted, open once: positional reads for whole small entries, and a
 * yauzl reader over the same descriptor whose small reads (the central directory, two per entry,
 * in order) are served from a cached window instead of one thread-pool round trip each. Every
 * read is tracked, so the descriptor is closed only once none is in flight: a closed number can
 * be reused by the next open, and no read may land on someone else's file.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

/** What the central directory reader caches per read. */
const WINDOW_BYTES = 64 * 1024;
const openFd = promisify(fs.open);
const readFd = promisify(fs.read);
const closeFd = promisify(fs.close);

/** One open zip file. */
export class ZipArchive {
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(
    private readonly fd: number,
    /** The file's size in bytes. */
    readonly size: number,
  ) {}

  static async open(file: string): Promise<ZipArchive> {
    const fd = await openFd(file, 'r');
    try {
      return new ZipArchive(fd, fs.fstatSync(fd).size);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** `length` bytes at `position`, fewer only at the end of the file. */
  readAt(length: number, position: number): Promise<Buffer> {
    const read = this.readFully(length, position);
    this.pending.add(read);
    const forget = (): void => void this.pending.delete(read);
    read.then(forget, forget);
    return read;
  }

  /** A yauzl reader over this file. */
  reader(): yauzl.RandomAccessReader {
    return new WindowedReader(this);
  }

  /** Closes the file once every read started has settled. */
  async close(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled(this.pending);
    await closeFd(this.fd);
  }

  private async readFully(length: number, position: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    for (let n = 1; got < length && n > 0; got += n) n = (await readFd(this.fd, buf, got, length - got, position + got)).bytesRead;
    return buf.subarray(0, got);
  }
}

/** yauzl's reader: reads of up to a window come from the last window read. */
class WindowedReader extends yauzl.RandomAccessReader {
  private window: { start: number; bytes: Buffer } = { start: 0, bytes: Buffer.alloc(0) };

  constructor(private readonly archive: ZipArchive) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const archive = this.archive;
    return Readable.from(
      (async function* chunks() {
        for (let pos = start; pos < end; pos += WINDOW_BYTES) yield await archive.readAt(Math.min(WINDOW_BYTES, end - pos), pos);
      })(),
      { objectMode: false },
    );
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const from = position - this.window.start;
    if (from >= 0 && from + length <= this.window.bytes.length) {
      this.window.bytes.copy(buffer, offset, from, from + length);
      queueMicrotask(() => callback(null));
      return;
    }
    this.archive.readAt(Math.min(Math.max(length, WINDOW_BYTES), this.archive.size - position), position).then((bytes) => {
      this.window = { start: position, bytes };
      if (bytes.length < length) return callback(new Error('unexpected EOF'));
      bytes.copy(buffer, offset, 0, length);
      callback(null);
    }, callback);
  }
}

/** The next entry of a lazyEntries zip, or undefined at the end; rejects with yauzl's error. */
export function readNextEntry(zip: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
    };
    const onEntry = (entry: Entry): void => (done(), resolve(entry));
    const onEnd = (): void => (done(), resolve(undefined));
    const onError = (err: unknown): void => (done(), reject(err));
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}
