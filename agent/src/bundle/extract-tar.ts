/**
 * Safe tar / tgz extraction: node-tar's Parser reads the headers (gzip is detected by its magic
 * bytes, so one path serves both types) and every entry is checked, in archive order, before
 * anything of it is written (safe-path.ts); a refused entry aborts the parse, and the caller
 * removes the staging directory. Files get the archive's exact modes and modification times, as
 * CodeDeploy's `tar -xpsf` (the umask does not apply; set-id bits are refused unless allowed).
 *
 * Entries are written with synchronous calls, a file's data as it arrives: per small file the
 * thread-pool round trips of node-tar's Unpack (open, write, futimes, close, one mkdir per entry,
 * each with its wake-up) cost about ten times the syscalls themselves (profiled on 2,000 files:
 * 18 eventfd writes and 78 futex calls per file). The event loop still turns between the chunks
 * the file stream reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { Budget, type ExtractLimits } from './limits.ts';
import { LinkGuard, relativeEntryPath, safeMode, SETUID_SETGID_BITS, unsafeEntry, type EntryKind } from './safe-path.ts';
import { processUmask } from './umask.ts';

/** Counts of what an extraction wrote. */
export interface ExtractCounts {
  entries: number;
  bytes: number;
}

/** What an extractor returns: its counts, and its link guard for the checks that wait on the revision root. */
export interface Extracted extends ExtractCounts {
  guard: LinkGuard;
}

/** Options of {@link extractTar}. */
export interface ExtractTarOptions {
  file: string;
  /** An empty directory that receives the entries. */
  dest: string;
  limits: ExtractLimits;
  /** Apply Windows file-name rules. */
  windows: boolean;
}

// O_NOFOLLOW is POSIX only; where it is missing (Windows) the LinkGuard alone prevents writing through links.
const CREATE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);

/** One extraction's state. */
class TarWriter {
  readonly guard = new LinkGuard();
  readonly budget: Budget;
  /** Directories known to exist, so each is made once. */
  private readonly dirs = new Set<string>();
  private readonly umask = processUmask();
  /** The file being written, if any. */
  private open: { fd: number; name: string } | undefined;

  constructor(private readonly opts: ExtractTarOptions) {
    this.budget = new Budget(opts.limits);
    this.dirs.add(opts.dest);
  }

  /** Checks and creates one entry; a file's data follows through {@link write}. */
  begin(entry: ReadEntry): void {
    const name = entry.path;
    const kind = kindOf(entry);
    const rel = relativeEntryPath(name, { windows: this.opts.windows });
    this.guard.admit(name, rel, kind, entry.linkpath);
    const mode = entry.mode ?? 0;
    const allowSetuid = this.opts.limits.allowSetuid === true;
    if ((mode & SETUID_SETGID_BITS) !== 0 && !allowSetuid) {
      throw unsafeEntry(name, `setuid/setgid bits are not allowed (mode ${mode.toString(8)})`);
    }
    this.budget.countEntry(name);
    if (kind === 'file') this.budget.charge(name, entry.size);
    const target = path.join(this.opts.dest, rel);
    if (rel === '') return;
    if (kind === 'directory') return this.makeDir(target, safeMode(mode || 0o755, true, false));
    this.makeDir(path.dirname(target));
    if (kind === 'symlink') return fs.symlinkSync(entry.linkpath ?? '', target);
    if (kind === 'hardlink') return fs.linkSync(path.join(this.opts.dest, relativeEntryPath(entry.linkpath ?? '', { windows: false })), target);
    const fileMode = safeMode(mode, false, allowSetuid);
    const fd = fs.openSync(target, CREATE_FLAGS, fileMode);
    this.open = { fd, name };
    // open() applied the umask; tar -p keeps the archive's mode.
    if ((fileMode & this.umask) !== 0 || (fileMode & SETUID_SETGID_BITS) !== 0) fs.fchmodSync(fd, fileMode);
  }

  /** Writes a chunk of the open file. */
  write(chunk: Buffer): void {
    const file = this.open;
    if (file === undefined) return;
    for (let off = 0; off < chunk.length; ) off += fs.writeSync(file.fd, chunk, off, chunk.length - off);
  }

  /** Ends the open file: its times are the archive's, as tar restores them. */
  end(entry: ReadEntry): void {
    const file = this.open;
    if (file === undefined) return;
    this.open = undefined;
    try {
      // GNU tar sets the access time to when it ran, unless the archive records one.
      if (entry.mtime !== undefined) fs.futimesSync(file.fd, entry.atime ?? new Date(), entry.mtime);
    } finally {
      fs.closeSync(file.fd);
    }
  }

  /** Closes a file left open by a failure. */
  abandon(): void {
    if (this.open !== undefined) fs.closeSync(this.open.fd);
    this.open = undefined;
  }

  private makeDir(dir: string, mode?: number): void {
    if (this.dirs.has(dir)) return;
    fs.mkdirSync(dir, mode === undefined ? { recursive: true } : { recursive: true, mode });
    // A directory entry's mode, exactly (mkdir applied the umask); parents made on the way keep the umask's.
    if (mode !== undefined && (mode & this.umask) !== 0) fs.chmodSync(dir, mode);
    this.dirs.add(dir);
  }
}

/** Extracts a tar or tgz file into `dest`, refusing unsafe entries. `dest` may be left partial on failure. */
export async function extractTar(opts: ExtractTarOptions): Promise<Extracted> {
  const writer = new TarWriter(opts);
  const parser: Parser = new Parser({
    strict: true,
    onReadEntry: (entry) => {
      if (!guarded(parser, () => writer.begin(entry))) return entry.resume();
      entry.on('data', (chunk: Buffer) => guarded(parser, () => writer.write(chunk)));
      entry.on('end', () => guarded(parser, () => writer.end(entry)));
    },
  });
  try {
    await runStream(opts.file, parser);
  } finally {
    writer.abandon();
  }
  return { entries: writer.budget.entries, bytes: writer.budget.bytes, guard: writer.guard };
}

/** Runs `step`; on a throw aborts the parser with it (the stream then rejects) and returns false. */
function guarded(parser: Parser, step: () => void): boolean {
  try {
    step();
    return true;
  } catch (err) {
    parser.abort(err instanceof Error ? err : new Error(String(err)));
    return false;
  }
}

function kindOf(entry: ReadEntry): EntryKind {
  if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') return 'file';
  if (entry.type === 'Directory') return 'directory';
  if (entry.type === 'SymbolicLink') return 'symlink';
  if (entry.type === 'Link') return 'hardlink';
  throw unsafeEntry(entry.path, `${entry.type} entries (devices, FIFOs and other special files) are not allowed`);
}

/** Pipes `file` into the parser and resolves when it ends, rejecting on the first error. */
function runStream(file: string, parser: Parser): Promise<void> {
  return new Promise((resolve, reject) => {
    const input = fs.createReadStream(file);
    parser.on('error', (err) => {
      // An aborted parse stops reading: the bundle's descriptor is closed now, so a bundle
      // removed after the failure (a full disk) frees its space at once.
      input.destroy();
      reject(err);
    });
    parser.on('end', () => resolve());
    input.on('error', (err) => reject(new DeckhandError('BUNDLE_EXTRACT_FAILED', `reading ${file}`, { cause: err })));
    input.pipe(parser as unknown as NodeJS.WritableStream);
  });
}
