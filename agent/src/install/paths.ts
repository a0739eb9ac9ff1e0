/**
 * Where appspec paths land: sources inside the revision, destinations on the host (or re-rooted
 * under the agent's --dest-root), and the containment checks that go with them.
 */
import { realpathSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';

/** True when `p` is `root` or below it (both absolute and normalized). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The absolute path of a `files` source; `/` or `.` mean the whole revision. */
export function resolveSource(archiveDir: string, source: string): string {
  const resolved = path.join(archiveDir, source);
  if (!isInside(archiveDir, resolved)) {
    throw new DeckhandError('INSTALL_FAILED', `source "${source}" points outside the revision`);
  }
  return resolved;
}

/**
 * The absolute path for an appspec destination (or permissions object). With `destRoot`, `/a/b`
 * becomes `<destRoot>/a/b` (a Windows drive `C:\a` becomes `<destRoot>/C/a`); a path that climbs
 * above its root is refused rather than clamped.
 */
export function resolveDestination(destination: string, destRoot: string | undefined): string {
  if (destRoot === undefined) return path.resolve(destination);
  const segments: string[] = [];
  for (const segment of destination.replace(/^([A-Za-z]):/, '$1/').split(/[\\/]/)) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') segments.push(segment);
    else if (segments.pop() === undefined) {
      throw new DeckhandError('INSTALL_FAILED', `destination "${destination}" climbs above the destination root`);
    }
  }
  return path.join(destRoot, ...segments);
}

/**
 * Refuses paths that would leave the destination root once symlinks already on disk are
 * followed, e.g. `<destRoot>/srv` being a link to `/`.
 */
export class Containment {
  private readonly cache = new Map<string, string>();

  constructor(private readonly realRoot: string | undefined) {}

  /** Creates the checker; without a destination root every path is allowed. */
  static async create(destRoot: string | undefined): Promise<Containment> {
    if (destRoot === undefined) return new Containment(undefined);
    await fs.mkdir(destRoot, { recursive: true });
    return new Containment(await fs.realpath(destRoot));
  }

  /** Throws INSTALL_FAILED when the deepest existing ancestor of `p` resolves outside the root. */
  check(p: string): void {
    if (this.realRoot === undefined) return;
    const real = this.realAncestor(p);
    if (!isInside(this.realRoot, real)) {
      throw new DeckhandError('INSTALL_FAILED', `${p} resolves to ${real}, outside the destination root ${this.realRoot}`);
    }
  }

  /** Synchronous, cached per directory: one lookup per directory of a revision, not per file. */
  private realAncestor(p: string): string {
    const cached = this.cache.get(p);
    if (cached !== undefined) return cached;
    let real: string;
    try {
      real = realpathSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(p) === p) throw err;
      real = path.join(this.realAncestor(path.dirname(p)), path.basename(p));
    }
    this.cache.set(p, real);
    return real;
  }
}
