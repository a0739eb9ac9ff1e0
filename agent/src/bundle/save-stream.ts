/**
 * Writes a bundle stream to disk while hashing and counting it. The file appears at `dest` only
 * once it is complete and matches the expected hash; on any failure nothing is left behind.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { asDiskFull } from '../util/disk-full.ts';

/** Options of {@link saveStream}. */
export interface SaveOptions {
  /** Refuse streams longer than this many bytes (BUNDLE_TOO_LARGE). @default unlimited */
  maxBytes?: number;
  /** Lowercase hex SHA-256 the bytes must have (BUNDLE_CHECKSUM_MISMATCH otherwise). */
  expectedSha256?: string;
  /** Called for every chunk received (a stall watchdog's heartbeat). */
  onChunk?: () => void;
}

/** What was saved. */
export interface SaveResult {
  bytes: number;
  sha256: string;
}

/**
 * Streams `body` to `dest` through `<dest>.part`, renamed into place when complete and verified.
 * @throws DeckhandError BUNDLE_TOO_LARGE, BUNDLE_CHECKSUM_MISMATCH, DISK_FULL; other stream errors as they are.
 */
export async function saveStream(body: Readable, dest: string, opts: SaveOptions = {}): Promise<SaveResult> {
  const part = `${dest}.part`;
  try {
    const result = await writeHashed(body, part, opts);
    checkSha256(result.sha256, opts.expectedSha256);
    await fsp.rename(part, dest);
    return result;
  } catch (err) {
    body.destroy();
    await fsp.rm(part, { force: true });
    await fsp.rm(dest, { force: true });
    throw asDiskFull(err, 'saving the bundle', 'the partial file was removed');
  }
}

/** Throws BUNDLE_CHECKSUM_MISMATCH unless `actual` equals `expected` (when one is given). */
export function checkSha256(actual: string, expected: string | undefined): void {
  if (expected === undefined || actual === expected.toLowerCase()) return;
  throw new DeckhandError('BUNDLE_CHECKSUM_MISMATCH', `the bundle's sha256 is ${actual}, expected ${expected}`, {
    details: { expected, actual },
  });
}

/** The error for a bundle over `maxBytes`. */
export function tooLarge(maxBytes: number): DeckhandError {
  return new DeckhandError('BUNDLE_TOO_LARGE', `the bundle is larger than the limit of ${maxBytes} bytes`);
}

async function writeHashed(body: Readable, file: string, opts: SaveOptions): Promise<SaveResult> {
  const { maxBytes, onChunk } = opts;
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      onChunk?.();
      bytes += chunk.length;
      if (maxBytes !== undefined && bytes > maxBytes) return callback(tooLarge(maxBytes));
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  // flush: fsync before close, so a renamed file is never a torn one after a crash.
  await pipeline(body, meter, fs.createWriteStream(file, { flush: true }));
  return { bytes, sha256: hash.digest('hex') };
}
