/**
 * Builds real archives for the bundle tests, including malicious ones that normal tools refuse
 * to produce (headers written by hand, zip names patched in place).
 */
import zlib from 'node:zlib';
import { Header, types } from 'tar';

type EntryTypeName = types.EntryTypeName;
import yazl from 'yazl';

/** One tar entry, written exactly as given. */
export interface RawTarEntry {
  path: string;
  type?: EntryTypeName;
  body?: string;
  mode?: number;
  linkpath?: string;
  /** @default the epoch */
  mtime?: Date;
}

const BLOCK = 512;

/** A tar archive built header by header, so any path, type or link target can be used. */
export function rawTar(entries: RawTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const type = e.type ?? 'File';
    const header = Buffer.alloc(BLOCK);
    new Header({
      path: e.path,
      type,
      size: type === 'File' ? body.length : 0,
      mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      mtime: e.mtime ?? new Date(0),
      ...(e.linkpath === undefined ? {} : { linkpath: e.linkpath }),
    }).encode(header, 0);
    blocks.push(header);
    if (type === 'File' && body.length > 0) {
      blocks.push(body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
    }
  }
  blocks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(blocks);
}

/** gzip, for tgz bundles. */
export function gzip(buf: Buffer): Buffer {
  return zlib.gzipSync(buf);
}

/** One zip entry; `mode` includes the file type bits (e.g. 0o120777 for a symlink). */
export interface ZipEntrySpec {
  name: string;
  body?: string | Buffer;
  mode?: number;
  dir?: boolean;
  /** Stored rather than deflated. */
  stored?: boolean;
  mtime?: Date;
  /** Only the DOS date and time, no Unix timestamp field. */
  dosTime?: boolean;
}

/** A zip built with yazl. */
export function makeZip(entries: ZipEntrySpec[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.dir === true) zip.addEmptyDirectory(e.name, e.mode === undefined ? {} : { mode: e.mode });
    else {
      const options = { ...(e.mode === undefined ? {} : { mode: e.mode }), ...(e.mtime === undefined ? {} : { mtime: e.mtime }) };
      zip.addBuffer(Buffer.from(e.body ?? ''), e.name, { ...options, compress: e.stored !== true, forceDosTimestamp: e.dosTime === true });
    }
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** Replaces every occurrence of a name (same byte length) in a zip: local headers and central directory. */
export function patchZipName(zip: Buffer, from: string, to: string): Buffer {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('names must have the same length');
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  for (let i = out.indexOf(needle); i !== -1; i = out.indexOf(needle, i + 1)) Buffer.from(to).copy(out, i);
  return out;
}

const CENTRAL_HEADER_SIGNATURE = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

/** Rewrites the uncompressed size the central directory declares for `name` (a lying header). */
export function setZipUncompressedSize(zip: Buffer, name: string, size: number): Buffer {
  return setCentralField(zip, name, 24, size);
}

/** A copy of `zip` whose central directory says `name`'s local header is at `offset`. */
export function setZipLocalHeaderOffset(zip: Buffer, name: string, offset: number): Buffer {
  return setCentralField(zip, name, 42, offset);
}

/**
 * A copy of `zip` in which `name` looks made on Windows (as by .NET's ZipFile or Explorer): the
 * central directory's "version made by" says MS-DOS and the external attributes hold DOS bits.
 */
export function makeDosEntry(zip: Buffer, name: string, readOnly: boolean): Buffer {
  const out = setCentralField(zip, name, 38, readOnly ? 0x21 : 0x20);
  for (let i = out.indexOf(CENTRAL_HEADER_SIGNATURE); i !== -1; i = out.indexOf(CENTRAL_HEADER_SIGNATURE, i + 1)) {
    const nameLength = out.readUInt16LE(i + 28);
    if (out.toString('utf8', i + 46, i + 46 + nameLength) === name) out.writeUInt8(0, i + 5);
  }
  return out;
}

/** A copy of `zip` with the 32-bit field at `field` of `name`'s central directory record set to `value`. */
function setCentralField(zip: Buffer, name: string, field: number, value: number): Buffer {
  const out = Buffer.from(zip);
  for (let i = out.indexOf(CENTRAL_HEADER_SIGNATURE); i !== -1; i = out.indexOf(CENTRAL_HEADER_SIGNATURE, i + 1)) {
    const nameLength = out.readUInt16LE(i + 28);
    if (out.toString('utf8', i + 46, i + 46 + nameLength) !== name) continue;
    out.writeUInt32LE(value, i + field);
    return out;
  }
  throw new Error(`no central directory entry named ${name}`);
}
