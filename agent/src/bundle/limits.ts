/**
 * Caps on what an archive may unpack to: total bytes written, number of entries, and (zip, from
 * its central directory before anything is written) how far an entry or the whole archive
 * expands. tgz has its own expansion cap: node-tar's maxDecompressionRatio (1000, the running
 * ratio of the gzip stream).
 */
import { DeckhandError } from '../../../protocol/src/errors.ts';

/** Limits and policy for {@link extractBundle}. */
export interface ExtractLimits {
  /** Total uncompressed bytes of all files. @default 4 GiB */
  maxBytes?: number;
  /** Number of entries (files, directories, links). @default 100000 */
  maxEntries?: number;
  /** Keep setuid/setgid bits instead of refusing entries that carry them. @default false */
  allowSetuid?: boolean;
  /**
   * Largest ratio of a zip entry's declared size to its compressed size, checked for entries
   * that unpack to more than 1 MiB. @default 200
   */
  maxEntryRatio?: number;
  /**
   * Largest ratio of a zip's declared total size to the zip file's size, checked once the total
   * is over 64 MiB. @default 100
   */
  maxArchiveRatio?: number;
}

/** Default cap on total uncompressed bytes. */
export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
/** Default cap on the number of entries. */
export const DEFAULT_MAX_ENTRIES = 100_000;
/**
 * Default cap on one zip entry's expansion. Source, text and JSON deflate 3:1 to 20:1, logs and
 * CSV rarely past 50:1; only runs of one byte approach deflate's ceiling of ~1030:1, and a file
 * that is mostly such a run past 1 MiB is what a bomb is made of.
 */
export const DEFAULT_MAX_ENTRY_RATIO = 200;
/** Default cap on a whole zip's expansion: a bundle is code and assets, never 100 times its size. */
export const DEFAULT_MAX_ARCHIVE_RATIO = 100;
/** Entries up to this size are not ratio-checked: a small file of zeros is harmless. */
const ENTRY_RATIO_FLOOR = 1024 * 1024;
/** Archives unpacking to at most this are not ratio-checked, whatever their ratio. */
const ARCHIVE_RATIO_FLOOR = 64 * 1024 * 1024;

/** The limits with every default filled in. */
export function limitsOf(limits: ExtractLimits): Required<Omit<ExtractLimits, 'allowSetuid'>> {
  return {
    maxBytes: limits.maxBytes ?? DEFAULT_MAX_BYTES,
    maxEntries: limits.maxEntries ?? DEFAULT_MAX_ENTRIES,
    maxEntryRatio: limits.maxEntryRatio ?? DEFAULT_MAX_ENTRY_RATIO,
    maxArchiveRatio: limits.maxArchiveRatio ?? DEFAULT_MAX_ARCHIVE_RATIO,
  };
}

/** Throws BUNDLE_TOO_LARGE when entry `name` declares `size` bytes from `compressed`, past the ratio cap. */
export function checkEntryRatio(name: string, size: number, compressed: number, limits: ExtractLimits): void {
  const max = limitsOf(limits).maxEntryRatio;
  const ratio = size / Math.max(compressed, 1);
  if (size > ENTRY_RATIO_FLOOR && ratio > max) {
    throw tooLarge(name, `a zip entry expands ${Math.round(ratio)} times (${size} bytes from ${compressed}), more than the limit of ${max}`);
  }
}

/** Throws BUNDLE_TOO_LARGE when a zip of `fileSize` bytes declares `total` bytes, past the ratio cap. */
export function checkArchiveRatio(total: number, fileSize: number, limits: ExtractLimits): void {
  const max = limitsOf(limits).maxArchiveRatio;
  const ratio = total / Math.max(fileSize, 1);
  if (total > ARCHIVE_RATIO_FLOOR && ratio > max) {
    throw tooLarge(undefined, `the zip expands ${Math.round(ratio)} times (${total} bytes from a ${fileSize}-byte file), more than the limit of ${max}`);
  }
}

/** Counts entries and bytes while extracting, and throws BUNDLE_TOO_LARGE past the caps. */
export class Budget {
  entries = 0;
  bytes = 0;
  private readonly maxBytes: number;
  private readonly maxEntries: number;

  constructor(limits: ExtractLimits = {}) {
    ({ maxBytes: this.maxBytes, maxEntries: this.maxEntries } = limitsOf(limits));
  }

  /** Counts one more entry. */
  countEntry(name: string): void {
    this.entries += 1;
    if (this.entries > this.maxEntries) {
      throw tooLarge(name, `the bundle has more than ${this.maxEntries} entries`);
    }
  }

  /** Charges `bytes` written (or about to be written) for entry `name`. */
  charge(name: string, bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.maxBytes) {
      throw tooLarge(name, `the bundle unpacks to more than ${this.maxBytes} bytes`);
    }
  }
}

/** BUNDLE_TOO_LARGE for `reason`, naming the entry when there is one. */
export function tooLarge(name: string | undefined, reason: string): DeckhandError {
  if (name === undefined) return new DeckhandError('BUNDLE_TOO_LARGE', reason);
  return new DeckhandError('BUNDLE_TOO_LARGE', `${reason} (at entry "${name}")`, { details: { entry: name } });
}
