/**
 * The installed tree of a host (every file under /srv/app, by path and content hash), the tree a
 * revision installs, and their comparison: after any run a host must hold exactly one revision's
 * tree (the old or the new one), never a mix of both or a part of one.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** Path under /srv/app → sha1 of the file's content (`link:<target>` for a symbolic link). */
export type Tree = ReadonlyMap<string, string>;

/** Where the fault revisions install (appspec `files`: site → /srv/app). */
export const APP_DIR = path.join('srv', 'app');

export function contentHash(content: string | Uint8Array): string {
  return createHash('sha1').update(content).digest('hex');
}

/** The tree a revision installs, from its bundle's files (those under site/). */
export function revisionTree(files: Record<string, string | Uint8Array>): Tree {
  const tree = new Map<string, string>();
  for (const [rel, content] of Object.entries(files)) if (rel.startsWith('site/')) tree.set(rel.slice('site/'.length), contentHash(content));
  return tree;
}

/** The tree installed under `destRoot` (empty when nothing is). */
export function installedTree(destRoot: string): Tree {
  const top = path.join(destRoot, APP_DIR);
  const tree = new Map<string, string>();
  if (!existsSync(top)) return tree;
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      const st = lstatSync(file);
      if (st.isDirectory()) walk(file, rel);
      else tree.set(rel, st.isSymbolicLink() ? `link:${readlinkSync(file)}` : contentHash(readFileSync(file)));
    }
  };
  walk(top, '');
  return tree;
}

export function sameTree(a: Tree, b: Tree): boolean {
  if (a.size !== b.size) return false;
  for (const [rel, hash] of a) if (b.get(rel) !== hash) return false;
  return true;
}

/** How `actual` differs from `expected`, briefly: counts and the first few paths of each kind. */
export function treeDifference(expected: Tree, actual: Tree): string {
  const missing = [...expected.keys()].filter((rel) => !actual.has(rel));
  const extra = [...actual.keys()].filter((rel) => !expected.has(rel));
  const changed = [...expected.keys()].filter((rel) => actual.has(rel) && actual.get(rel) !== expected.get(rel));
  const list = (what: string, rels: string[]): string => (rels.length === 0 ? '' : ` ${rels.length} ${what} (${rels.slice(0, 3).join(', ')}${rels.length > 3 ? ', …' : ''})`);
  return `${actual.size} files installed, ${expected.size} expected:${list('missing', missing)}${list('not expected', extra)}${list('with other content', changed)}`;
}
