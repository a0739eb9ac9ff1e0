/**
 * Content hashes of bundles: of a file, and of a directory revision.
 */
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../../../common/src/sha256-file.ts';
import { processUmask } from './umask.ts';

export { sha256File };

/**
 * A SHA-256 naming a directory's content (a `directory` revision): every entry's relative path
 * and type, each file's permission bits as a copy by this agent gives them (less the umask: see
 * copy-tree.ts) and its own SHA-256, and each link's target, in sorted order. Directory modes are
 * not part of it: the copy makes its directories afresh.
 */
export async function sha256Tree(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const umask = processUmask();
  const entries = (await fsp.readdir(dir, { recursive: true })).map(String).sort();
  for (const rel of entries) {
    const full = path.join(dir, rel);
    const stat = await fsp.lstat(full);
    const content = stat.isSymbolicLink() ? await fsp.readlink(full) : stat.isFile() ? await sha256File(full) : '';
    const mode = stat.isFile() ? (stat.mode & 0o7777 & ~umask).toString(8) : stat.isDirectory() ? 'd' : stat.mode.toString(8);
    hash.update(`${rel.split(path.sep).join('/')}\0${mode}\0${content}\n`);
  }
  return hash.digest('hex');
}
