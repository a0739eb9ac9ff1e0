/**
 * Content-addressed bundle storage: `<root>/sha256/<aa>/<sha256>`. An upload streams to a temp
 * file while it is hashed, then is renamed into place, so a reader never sees a partial bundle
 * and the same bytes uploaded twice are stored once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeckhandError } from '../../../protocol/src/index.ts';

/** Default upper bound of one bundle: 2 GiB. */
export const DEFAULT_MAX_ARTIFACT_BYTES = 2 * 1024 ** 3;

/** Options of {@link ArtifactStore}. */
export interface ArtifactStoreOptions {
  /** The artifacts directory, e.g. `<data-dir>/artifacts`. */
  root: string;
  /** Largest accepted bundle. @default 2 GiB */
  maxBytes?: number;
}

/** What {@link ArtifactStore.put} stored. */
export interface StoredArtifact {
  sha256: string;
  size: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Counts and hashes bytes going through, failing with BUNDLE_TOO_LARGE past the limit. */
class HashingLimiter extends Transform {
  readonly hash = createHash('sha256');
  size = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(new DeckhandError('BUNDLE_TOO_LARGE', `bundle is larger than the limit of ${this.maxBytes} bytes`));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }
}

/** The coordinator's bundle store. */
export class ArtifactStore {
  readonly root: string;
  readonly maxBytes: number;

  constructor(opts: ArtifactStoreOptions) {
    this.root = opts.root;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
    mkdirSync(path.join(this.root, 'tmp'), { recursive: true });
  }

  /**
   * Streams `source` into the store and returns its address. Throws BUNDLE_TOO_LARGE (leaving
   * nothing behind) when it exceeds the limit; rethrows stream errors, and what `check` throws
   * about the received file, after cleaning up: nothing enters the store unchecked.
   */
  async put(source: Readable, check?: (file: string) => Promise<void>): Promise<StoredArtifact> {
    const tmp = path.join(this.root, 'tmp', `${randomBytes(12).toString('hex')}.part`);
    const limiter = new HashingLimiter(this.maxBytes);
    try {
      await pipeline(source, limiter, createWriteStream(tmp, { flags: 'wx' }));
      await check?.(tmp);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    const sha256 = limiter.hash.digest('hex');
    const dest = this.path(sha256);
    if (existsSync(dest)) {
      rmSync(tmp, { force: true });
    } else {
      mkdirSync(path.dirname(dest), { recursive: true });
      renameSync(tmp, dest);
    }
    return { sha256, size: limiter.size };
  }

  /** Where the bundle with this sha256 lives (whether or not it exists). */
  path(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new DeckhandError('VALIDATION_FAILED', 'not a sha256 hex digest');
    return path.join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  /** True when the bundle with this sha256 is stored. */
  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  /** Deletes the bundle with this sha256 if it is stored (no revision uses it any more). */
  remove(sha256: string): void {
    rmSync(this.path(sha256), { force: true });
  }
}
