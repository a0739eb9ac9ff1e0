/**
 * Small real archives built in memory for tests that upload bundles: ustar written by hand
 * (a header per file, as POSIX defines it), gzip from node:zlib, zip with yazl.
 */
import { gzipSync } from 'node:zlib';
import yazl from 'yazl';

/** Path → content. */
export type ArchiveFiles = Record<string, string | Buffer>;

/** The smallest revision agents accept: an appspec at the root. */
export const MINIMAL_REVISION: ArchiveFiles = { 'appspec.yml': 'version: 0.0\nos: linux\n' };

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148); // checksum placeholder: spaces while summing
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** A ustar archive of `files`. */
export function tarBytes(files: ArchiveFiles = MINIMAL_REVISION): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    parts.push(header(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A gzipped ustar archive of `files`. */
export function tgzBytes(files: ArchiveFiles = MINIMAL_REVISION): Buffer {
  return gzipSync(tarBytes(files));
}

/** A zip of `files`. */
export function zipBytes(files: ArchiveFiles = MINIMAL_REVISION): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name);
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}
