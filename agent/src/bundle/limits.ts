/**
 * Caps on what an archive may unpack to: total bytes written and number of entries.
 */
import { DeckhandError } from '../../../protocol/src/index.ts';

/** Limits and policy for {@link extractBundle}. */
export interface ExtractLimits {
  /** Total uncompressed bytes of all files. @default 4 GiB */
  maxBytes?: number;
  /** Number of entries (files, directories, links). @default 100000 */
  maxEntries?: number;
  /** Keep setuid/setgid bits instead of refusing entries that carry them. @default false */
  allowSetuid?: boolean;
}

/** Default cap on total uncompressed bytes. */
export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
/** Default cap on the number of entries. */
export const DEFAULT_MAX_ENTRIES = 100_000;

/** Counts entries and bytes while extracting, and throws BUNDLE_TOO_LARGE past the caps. */
export class Budget {
  entries = 0;
  bytes = 0;
  private readonly maxBytes: number;
  private readonly maxEntries: number;

  constructor(limits: ExtractLimits = {}) {
    this.maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
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

function tooLarge(name: string, reason: string): DeckhandError {
  return new DeckhandError('BUNDLE_TOO_LARGE', `${reason} (at entry "${name}")`, { details: { entry: name } });
}
