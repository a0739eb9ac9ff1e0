/**
 * Safe tar / tgz extraction with node-tar. Two passes over the (immutable, checksum-verified)
 * file: the first only reads headers and refuses the bundle on the first unsafe or over-limit
 * entry, before anything is written; the second extracts with the same checks as a backstop.
 * node-tar detects gzip by its magic bytes, so one path serves both types.
 */
import fs from 'node:fs';
import { Parser, Unpack, type ReadEntry } from 'tar';
import { DeckhandError } from '../../../protocol/src/index.ts';
import { Budget, type ExtractLimits } from './limits.ts';
import { LinkGuard, relativeEntryPath, safeMode, SETUID_SETGID_BITS, unsafeEntry, type EntryKind } from './safe-path.ts';

/** Counts of what an extraction wrote. */
export interface ExtractCounts {
  entries: number;
  bytes: number;
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

/** Extracts a tar or tgz file into `dest`, refusing unsafe entries. `dest` may be left partial on failure. */
export async function extractTar(opts: ExtractTarOptions): Promise<ExtractCounts> {
  await scanTar(opts);
  return unpackTar(opts);
}

/** Validates every entry of the archive without writing anything. */
async function scanTar(opts: ExtractTarOptions): Promise<void> {
  const { check } = entryChecker(opts);
  const parser: Parser = new Parser({
    strict: true,
    filter: (_path, entry) => admitOrAbort(parser, () => check(entry as ReadEntry)),
    onReadEntry: (entry) => entry.resume(),
  });
  await runStream(opts.file, parser, 'end');
}

/** Extracts with node-tar's hardening, our checks again, and special mode bits stripped. */
async function unpackTar(opts: ExtractTarOptions): Promise<ExtractCounts> {
  const { check, budget } = entryChecker(opts);
  const allowSetuid = opts.limits.allowSetuid === true;
  const unpack: Unpack = new Unpack({
    cwd: opts.dest,
    strict: true,
    preservePaths: false,
    // node-tar defaults preserveOwner to true when running as root; ownership comes from the
    // appspec's permissions instead, as in CodeDeploy.
    preserveOwner: false,
    maxDepth: 128,
    filter: (_path, entry) =>
      admitOrAbort(unpack, () => {
        const e = entry as ReadEntry;
        check(e);
        if (e.mode !== undefined) e.mode = safeMode(e.mode, e.type === 'Directory', allowSetuid);
      }),
  });
  await runStream(opts.file, unpack, 'close');
  return { entries: budget.entries, bytes: budget.bytes };
}

/** Runs `admit`; on a refusal aborts the parser with it (the stream then rejects) and skips the entry. */
function admitOrAbort(parser: Parser, admit: () => void): boolean {
  try {
    admit();
    return true;
  } catch (err) {
    parser.abort(err instanceof Error ? err : new Error(String(err)));
    return false;
  }
}

/** A stateful checker for one pass: names, links, duplicates, special files, set-id bits, limits. */
function entryChecker(opts: ExtractTarOptions): { check: (entry: ReadEntry) => void; budget: Budget } {
  const guard = new LinkGuard();
  const budget = new Budget(opts.limits);
  const check = (entry: ReadEntry): void => {
    const name = entry.path;
    const kind = kindOf(entry);
    const rel = relativeEntryPath(name, { windows: opts.windows });
    guard.admit(name, rel, kind, entry.linkpath);
    const mode = entry.mode ?? 0;
    if ((mode & SETUID_SETGID_BITS) !== 0 && opts.limits.allowSetuid !== true) {
      throw unsafeEntry(name, `setuid/setgid bits are not allowed (mode ${mode.toString(8)})`);
    }
    budget.countEntry(name);
    if (kind === 'file') budget.charge(name, entry.size);
  };
  return { check, budget };
}

function kindOf(entry: ReadEntry): EntryKind {
  if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') return 'file';
  if (entry.type === 'Directory') return 'directory';
  if (entry.type === 'SymbolicLink') return 'symlink';
  if (entry.type === 'Link') return 'hardlink';
  throw unsafeEntry(entry.path, `${entry.type} entries (devices, FIFOs and other special files) are not allowed`);
}

/** Pipes `file` into a tar parser and resolves on `doneEvent`, rejecting on the first error. */
function runStream(file: string, parser: Parser, doneEvent: 'end' | 'close'): Promise<void> {
  return new Promise((resolve, reject) => {
    parser.on('error', reject);
    parser.on(doneEvent, () => resolve());
    const input = fs.createReadStream(file);
    input.on('error', (err) => reject(new DeckhandError('BUNDLE_EXTRACT_FAILED', `reading ${file}`, { cause: err })));
    input.pipe(parser as unknown as NodeJS.WritableStream);
  });
}
