/**
 * Safe zip extraction with yauzl: entries are read one at a time from the central directory
 * (lazyEntries keeps memory bounded) and written by us, so we own every check yauzl leaves to the
 * caller (reliability.md §2): link entries, special files, set-id bits, duplicates, byte counts.
 * Every check runs in archive order before anything of the entry is written; only the file
 * writes overlap (a few at a time), which is what keeps pace with `unzip` on many small files.
 * Per small file, thread-pool round trips are what cost (profiled on 10,000 files): yauzl's two
 * reads per central directory record come from a cached window, and a small entry is read with
 * one positional read, inflated in one call and written with one write, not streamed.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { Extracted, ExtractTarOptions } from './extract-tar.ts';
import { InFlight } from './extract-pool.ts';
import { Budget, tooLarge } from './limits.ts';
import { LinkGuard, relativeEntryPath, safeMode, SETUID_SETGID_BITS, unsafeEntry, type EntryKind } from './safe-path.ts';
import { processUmask } from './umask.ts';
import { readNextEntry, ZipArchive } from './zip-archive.ts';
import { checkDeclaredSizes } from './zip-declared.ts';
import { localExtraField, unixModeOf, zipPermissions, zipTimes } from './zip-meta.ts';

/** Options of {@link extractZip} (the same as for tar). */
export type ExtractZipOptions = ExtractTarOptions;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const MAX_LINK_TARGET_BYTES = 4096;
// O_NOFOLLOW is POSIX only; where it is missing (Windows) the LinkGuard alone prevents writing through links.
const CREATE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);
/** File writes in flight at once: enough to overlap disk waits, few enough to bound memory and fds. */
const MAX_WRITES_IN_FLIGHT = 8;
/** Entries up to this size are read, inflated and written whole (memory stays under 8 × 512 KB), not streamed. */
const WHOLE_ENTRY_MAX_BYTES = 256 * 1024;
const ZIP_OPTIONS = { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, autoClose: false };
const LOCAL_HEADER_BYTES = 30;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
/** Read past the central directory's idea of the local header: its extra field may be longer. */
const LOCAL_EXTRA_SLACK = 256;
const STORED = 0;
const DEFLATED = 8;
const openFd = promisify(fs.open);
const closeFd = promisify(fs.close);
const writeFd = promisify(fs.write);
const inflateRaw = promisify(zlib.inflateRaw);

interface ZipContext {
  zip: ZipFile;
  opts: ExtractZipOptions;
  guard: LinkGuard;
  budget: Budget;
  /** Directories created (or being created) so far, so each is made once, not once per file. */
  dirs: Map<string, Promise<unknown>>;
  /** The archive, for whole-entry reads. */
  archive: ZipArchive;
  umask: number;
}

/** Extracts a zip file into `dest` (an empty directory). `dest` may be left partial on failure. */
export async function extractZip(opts: ExtractZipOptions): Promise<Extracted> {
  const archive = await ZipArchive.open(opts.file).catch((err: unknown) => Promise.reject(zipError(err)));
  const zip = await checkDeclaredSizes(archive, opts.limits)
    .then(() => yauzl.fromRandomAccessReaderPromise(archive.reader(), archive.size, ZIP_OPTIONS))
    .catch(async (err: unknown) => {
      await archive.close();
      throw zipError(err);
    });
  const ctx: ZipContext = { zip, opts, guard: new LinkGuard(), budget: new Budget(opts.limits), dirs: new Map(), archive, umask: processUmask() };
  const writes = new InFlight(MAX_WRITES_IN_FLIGHT);
  try {
    for (let entry = await nextEntry(zip); entry !== undefined; entry = await nextEntry(zip)) {
      const write = await extractEntry(ctx, entry);
      if (write !== undefined) await writes.add(write);
    }
    await writes.drain();
  } catch (err) {
    // A write that failed belongs to an earlier entry than the one whose check threw: it comes first.
    await writes.drain();
    throw err;
  } finally {
    // On a failure too: no write may still be going on once the caller removes the staging tree.
    await writes.settle();
    zip.close();
    // Last, once its reads have settled: whole-entry reads and yauzl's reader share it.
    await archive.close();
  }
  return { entries: ctx.budget.entries, bytes: ctx.budget.bytes, guard: ctx.guard };
}

function nextEntry(zip: ZipFile): Promise<Entry | undefined> {
  return readNextEntry(zip).catch((err: unknown) => Promise.reject(zipError(err)));
}

/**
 * Checks `entry` and creates it; a regular file is returned as its write, to run alongside
 * others (its checks are done by then, and its parent directory exists).
 */
async function extractEntry(ctx: ZipContext, entry: Entry): Promise<(() => Promise<void>) | undefined> {
  const name = entry.fileName;
  const rel = relativeEntryPath(name, { windows: ctx.opts.windows });
  const unixMode = unixModeOf(entry);
  const kind = kindOf(name, unixMode);
  if ((unixMode & SETUID_SETGID_BITS) !== 0 && ctx.opts.limits.allowSetuid !== true) {
    throw unsafeEntry(name, `setuid/setgid bits are not allowed (mode ${(unixMode & 0o7777).toString(8)})`);
  }
  if (entry.isEncrypted()) throw new DeckhandError('BUNDLE_EXTRACT_FAILED', `zip entry "${name}" is encrypted`);
  ctx.budget.countEntry(name);
  const target = path.join(ctx.opts.dest, rel);
  const perms = zipPermissions(entry, kind === 'directory');
  if (kind === 'directory') {
    ctx.guard.admit(name, rel, kind);
    await ensureDir(ctx, target, { mode: safeMode(perms.mode, true, false), exact: perms.exact });
    return undefined;
  }
  if (kind === 'symlink') {
    const linkTarget = await readLinkTarget(ctx, entry);
    ctx.guard.admit(name, rel, kind, linkTarget);
    await ensureDir(ctx, path.dirname(target));
    await fsp.symlink(linkTarget, target);
    return undefined;
  }
  ctx.guard.admit(name, rel, kind);
  await ensureDir(ctx, path.dirname(target));
  const mode = { mode: safeMode(perms.mode, false, ctx.opts.limits.allowSetuid === true), exact: perms.exact };
  return readsWhole(entry) ? () => writeWhole(ctx, entry, target, mode) : () => writeFile(ctx, entry, target, mode);
}

/** A mode to create with: `exact` is set with chmod (the umask does not apply), as unzip does for Unix modes. */
interface CreateMode {
  mode: number;
  exact: boolean;
}

/** `mkdir -p dir` once per extraction; `mode` applies when this call creates it. */
async function ensureDir(ctx: ZipContext, dir: string, mode?: CreateMode): Promise<void> {
  let made = ctx.dirs.get(dir);
  if (made === undefined) {
    made = fsp.mkdir(dir, mode === undefined ? { recursive: true } : { recursive: true, mode: mode.mode });
    if (mode?.exact === true && (mode.mode & ctx.umask) !== 0) made = made.then(() => fsp.chmod(dir, mode.mode));
    ctx.dirs.set(dir, made);
  }
  await made;
}

/** Gives an open file the entry's mode (when exact) and unzip's times. */
function finishFile(ctx: ZipContext, entry: Entry, fd: number, mode: CreateMode, localHeader: Buffer): void {
  // Synchronous: one metadata syscall is cheaper than a thread-pool round trip per file.
  if (mode.exact && (mode.mode & ctx.umask) !== 0) fs.fchmodSync(fd, mode.mode);
  const { atime, mtime } = zipTimes(entry, localExtraField(localHeader));
  fs.futimesSync(fd, atime, mtime);
}

function kindOf(name: string, unixMode: number): EntryKind {
  const type = unixMode & S_IFMT;
  if (name.endsWith('/') || type === S_IFDIR) return 'directory';
  if (type === S_IFLNK) return 'symlink';
  if (type === 0 || type === S_IFREG) return 'file';
  throw unsafeEntry(name, `special files (type ${type.toString(8)}: devices, FIFOs, sockets) are not allowed`);
}

/** Streams one file, counting the bytes actually written rather than trusting the header sizes. */
async function writeFile(ctx: ZipContext, entry: Entry, target: string, mode: CreateMode): Promise<void> {
  const name = entry.fileName;
  const budget = ctx.budget;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      try {
        budget.charge(name, chunk.length);
        callback(null, chunk);
      } catch (err) {
        callback(err as Error);
      }
    },
  });
  const input = await ctx.zip.openReadStreamPromise(entry).catch((err: unknown) => Promise.reject(zipError(err)));
  // O_EXCL: a name that already exists (a duplicate the guard missed, e.g. by case folding) is refused.
  const handle = await fsp.open(target, CREATE_FLAGS, mode.mode).catch((err: unknown) => Promise.reject(zipError(err, name)));
  const output = handle.createWriteStream();
  try {
    // Read alongside the data; an unreadable header is yauzl's to report, the times then fall back to DOS's.
    const header = ctx.archive
      .readAt(LOCAL_HEADER_BYTES + entry.fileNameLength + entry.extraFieldLength + LOCAL_EXTRA_SLACK, entry.relativeOffsetOfLocalHeader)
      .catch(() => Buffer.alloc(0));
    await pipeline(input, counter, output);
    const file = fs.openSync(target, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    try {
      finishFile(ctx, entry, file, mode, await header);
    } finally {
      fs.closeSync(file);
    }
  } catch (err) {
    output.destroy();
    throw zipError(err, name);
  }
}

function readsWhole(entry: Entry): boolean {
  const method = entry.compressionMethod;
  return (method === STORED || method === DEFLATED) && Math.max(entry.compressedSize, entry.uncompressedSize) <= WHOLE_ENTRY_MAX_BYTES;
}

/** A small file: read whole, inflated whole, charged on the inflated length, written in one go. */
async function writeWhole(ctx: ZipContext, entry: Entry, target: string, mode: CreateMode): Promise<void> {
  const name = entry.fileName;
  const { data, head } = await readWhole(ctx, entry).catch((err: unknown) => Promise.reject(zipError(err, name)));
  ctx.budget.charge(name, data.length);
  const fd = await openFd(target, CREATE_FLAGS, mode.mode).catch((err: unknown) => Promise.reject(zipError(err, name)));
  try {
    for (let off = 0; off < data.length; ) off += (await writeFd(fd, data, off, data.length - off)).bytesWritten;
    finishFile(ctx, entry, fd, mode, head);
  } catch (err) {
    throw zipError(err, name);
  } finally {
    await closeFd(fd);
  }
}

/**
 * The entry's data and the bytes read from its local header on, with yauzl's checks: local header
 * signature, bounds, exact uncompressed size.
 */
async function readWhole(ctx: ZipContext, entry: Entry): Promise<{ data: Buffer; head: Buffer }> {
  const { relativeOffsetOfLocalHeader: start, compressedSize } = entry;
  const fileSize = ctx.zip.fileSize;
  if (start + LOCAL_HEADER_BYTES > fileSize) throw new Error(`its local header at byte ${start} lies past the end of the file (${fileSize} bytes)`);
  const guess = LOCAL_HEADER_BYTES + entry.fileNameLength + entry.extraFieldLength + LOCAL_EXTRA_SLACK + compressedSize;
  const head = await ctx.archive.readAt(Math.min(guess, fileSize - start), start);
  const signature = head.length < LOCAL_HEADER_BYTES ? 0 : head.readUInt32LE(0);
  if (signature !== LOCAL_HEADER_SIGNATURE) throw new Error(`invalid local file header signature: 0x${signature.toString(16)}`);
  const dataStart = LOCAL_HEADER_BYTES + head.readUInt16LE(26) + head.readUInt16LE(28);
  if (start + dataStart + compressedSize > fileSize) throw new Error(`file data overflows file bounds: ${start + dataStart} + ${compressedSize} > ${fileSize}`);
  const inHead = dataStart + compressedSize <= head.length;
  const raw = inHead ? head.subarray(dataStart, dataStart + compressedSize) : await ctx.archive.readAt(compressedSize, start + dataStart);
  if (entry.compressionMethod === STORED) return { data: raw, head };
  // Off the event loop (inflateRawSync measured no faster). One byte over the declared size tells
  // a lying header (a bomb) from an honest one, and bounds what is inflated.
  const data = await inflateRaw(raw, { maxOutputLength: entry.uncompressedSize + 1 }).catch((err: unknown) =>
    Promise.reject((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? sizeMismatch(entry) : err));
  if (data.length !== entry.uncompressedSize) throw sizeMismatch(entry, data.length);
  return { data, head };
}

/** yauzl's words (validateEntrySizes) for an entry that inflates to other than its declared size. */
function sizeMismatch(entry: Entry, got = entry.uncompressedSize + 1): Error {
  const expected = entry.uncompressedSize;
  const message = got > expected ? `too many bytes in the stream. expected ${expected}. got at least` : `not enough bytes in the stream. expected ${expected}. got only`;
  return new Error(`${message} ${got}`);
}

async function readLinkTarget(ctx: ZipContext, entry: Entry): Promise<string> {
  if (entry.uncompressedSize > MAX_LINK_TARGET_BYTES) {
    throw unsafeEntry(entry.fileName, 'its link target is too long');
  }
  const input = await ctx.zip.openReadStreamPromise(entry).catch((err: unknown) => Promise.reject(zipError(err)));
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** yauzl's own name checks (absolute, `..`) become BUNDLE_UNSAFE_PATH; anything else a failed extraction. */
function zipError(err: unknown, entry?: string): DeckhandError {
  if (err instanceof DeckhandError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const unsafe = /^(absolute path|invalid relative path|invalid characters in fileName): (.*)$/s.exec(message);
  if (unsafe !== null) return unsafeEntry(unsafe[2] ?? '', unsafe[1] ?? 'unsafe name');
  if ((err as NodeJS.ErrnoException).code === 'EEXIST' && entry !== undefined) {
    return unsafeEntry(entry, 'the path appears twice in the bundle');
  }
  // The central directory's sizes were checked against the limits; an entry that inflates past
  // its own is a bomb that lied about its size, stopped at the first byte over.
  const over = /^too many bytes in the stream\. expected (\d+)/.exec(message);
  if (over !== null && entry !== undefined) return tooLarge(entry, `an entry inflates to more than the ${over[1]} bytes it declares`);
  const where = entry === undefined ? '' : ` at entry "${entry}"`;
  return new DeckhandError('BUNDLE_EXTRACT_FAILED', `the zip file could not be read${where}: ${message}`, { cause: err });
}
