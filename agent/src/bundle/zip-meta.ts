/**
 * What a zip entry says about its file beyond the data, read by Info-ZIP unzip's rules (the
 * CodeDeploy agent unpacks zips with `unzip -qo`; unix/unix.c mapattr(), process.c
 * ef_scan_for_izux()):
 * - mode: an entry made on Unix with a mode keeps it (set-id and sticky bits aside); any other
 *   (Windows, Java, .NET zips) is read-only or not by its DOS attribute, and the umask applies;
 * - times: the local header's "UT" extra field (modification, and access when recorded), else
 *   the older Unix "UX" field, else the DOS date and time read as local time; the access time is
 *   the modification time when the entry does not record one. NTFS times are not read.
 */
import type { Entry } from 'yauzl';

const MADE_BY_UNIX = 3;
const DOS_READ_ONLY = 0x01;
const DOS_DIRECTORY = 0x10;
const UT_FIELD = 0x5455;
const UX_FIELDS = new Set([0x5855, 0x000d]);
const UT_MTIME = 1;
const UT_ATIME = 2;

/** The entry's Unix mode bits (type and permissions) when made on Unix; 0 otherwise. */
export function unixModeOf(entry: Entry): number {
  return entry.versionMadeBy >> 8 === MADE_BY_UNIX ? entry.externalFileAttributes >>> 16 : 0;
}

/**
 * The permissions to create the entry with, and whether they are exact (applied with chmod, as
 * unzip does for Unix modes) or, like unzip's for other entries, to go through the umask.
 */
export function zipPermissions(entry: Entry, isDirectory: boolean): { mode: number; exact: boolean } {
  const unix = unixModeOf(entry) & 0o7777;
  if (unix !== 0) return { mode: unix, exact: true };
  const attributes = entry.externalFileAttributes & 0xff;
  const writable = (attributes & DOS_READ_ONLY) === 0 ? 0o222 : 0;
  const searchable = isDirectory || (attributes & DOS_DIRECTORY) !== 0 ? 0o111 : 0;
  return { mode: 0o444 | writable | searchable, exact: false };
}

/** An entry's access and modification times. */
export interface ZipTimes {
  atime: Date;
  mtime: Date;
}

/**
 * The times unzip gives the file, from the extra field of the entry's local header (`local`,
 * possibly empty) or its DOS date and time.
 */
export function zipTimes(entry: Entry, local: Buffer): ZipTimes {
  const fields = extraFields(local);
  const ut = fields.find((f) => f.id === UT_FIELD && f.data.length >= 5);
  if (ut !== undefined && (ut.data[0]! & UT_MTIME) !== 0) {
    const mtime = secondsAt(ut.data, 1);
    const hasAtime = (ut.data[0]! & UT_ATIME) !== 0 && ut.data.length >= 9;
    return { mtime, atime: hasAtime ? secondsAt(ut.data, 5) : mtime };
  }
  const ux = fields.find((f) => UX_FIELDS.has(f.id) && f.data.length >= 8);
  if (ux !== undefined) return { atime: secondsAt(ux.data, 0), mtime: secondsAt(ux.data, 4) };
  const mtime = entry.getLastModDate({ forceDosFormat: true });
  return { atime: mtime, mtime };
}

/** The extra field of a local file header read from its start (at least the fixed 30 bytes). */
export function localExtraField(head: Buffer): Buffer {
  if (head.length < 30) return Buffer.alloc(0);
  const start = 30 + head.readUInt16LE(26);
  return head.subarray(Math.min(start, head.length), Math.min(start + head.readUInt16LE(28), head.length));
}

function extraFields(buf: Buffer): Array<{ id: number; data: Buffer }> {
  const out: Array<{ id: number; data: Buffer }> = [];
  for (let at = 0; at + 4 <= buf.length; ) {
    const id = buf.readUInt16LE(at);
    const size = buf.readUInt16LE(at + 2);
    if (at + 4 + size > buf.length) break;
    out.push({ id, data: buf.subarray(at + 4, at + 4 + size) });
    at += 4 + size;
  }
  return out;
}

function secondsAt(buf: Buffer, offset: number): Date {
  return new Date(buf.readInt32LE(offset) * 1000);
}
