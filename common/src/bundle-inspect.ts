/**
 * What is checked of a bundle before it becomes a revision (by the coordinator on upload, by the
 * CLI before it pushes a prebuilt archive to S3): that it is an archive of the type it was
 * declared as (its magic bytes, and an index that reads to the end) and that it has an appspec
 * at its root, or in its only top-level folder (which agents make the root, as CodeDeploy's
 * does). A bundle that would fail on every host fails here, at once, with the reason.
 */
import { open } from 'node:fs/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';

/** The archive types a revision bundle may be. */
export type ArchiveType = 'tar' | 'tgz' | 'zip';

/** What is wrong with a bundle, in words for the person who sent it. */
export class BundleProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleProblem';
  }
}

const APPSPECS = new Set(['appspec.yml', 'appspec.yaml']);
/** More entries than any real revision has; listing stops there. */
const MAX_ENTRIES = 1_000_000;

function invalid(message: string): BundleProblem {
  return new BundleProblem(message);
}

async function head(file: string, bytes: number): Promise<Buffer> {
  const fd = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fd.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fd.close();
  }
}

/** The type the first bytes say, when they say one. */
function sniff(bytes: Buffer): ArchiveType | undefined {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'tgz';
  if (bytes.subarray(0, 2).toString('latin1') === 'PK') return 'zip';
  if (bytes.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

async function tarEntries(file: string): Promise<string[]> {
  const names: string[] = [];
  await tar.t({
    file,
    strict: true,
    onReadEntry: (entry) => {
      if (names.length < MAX_ENTRIES) names.push(entry.path);
      entry.resume();
    },
  });
  return names;
}

/** The names in the zip's central directory (no entry data is read). */
function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, decodeStrings: true, autoClose: true }, (err, zip) => {
      if (err) return reject(err);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        if (names.length >= MAX_ENTRIES) {
          zip.close();
          resolve(names);
        } else zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** True when `names` hold an appspec at the root, or in the only top-level folder. */
export function hasRootAppSpec(names: readonly string[]): boolean {
  const parts = names.map((n) => n.replace(/^(\.\/)+/, '').split('/').filter((p) => p !== ''));
  if (parts.some((p) => p.length === 1 && APPSPECS.has(p[0]!))) return true;
  const tops = new Set(parts.filter((p) => p.length > 0).map((p) => p[0]));
  if (tops.size !== 1) return false;
  return parts.some((p) => p.length === 2 && APPSPECS.has(p[1]!));
}

/** Throws BundleProblem naming what is wrong unless `file` is a `type` archive with an appspec at its root. */
export async function inspectBundle(file: string, type: ArchiveType): Promise<void> {
  const found = sniff(await head(file, 512));
  if (found !== type) {
    throw invalid(`the bundle is not a ${type} archive${found ? ` (its first bytes say ${found}: upload it with bundleType=${found})` : ''}`);
  }
  let names: string[];
  try {
    names = type === 'zip' ? await zipEntries(file) : await tarEntries(file);
  } catch (err) {
    throw invalid(`the ${type} archive cannot be read to its end: ${(err as Error).message}`);
  }
  if (!hasRootAppSpec(names)) {
    throw invalid('the bundle has no appspec.yml or appspec.yaml at its root (nor in its only top-level folder): CodeDeploy and Deckhand agents need one there');
  }
}
