/**
 * Entry-name and link checks shared by the tar and zip extractors. Every bundle entry must land
 * inside the extraction directory, and every link must point inside it too.
 *
 * Defends against zip-slip (CVE-2018-1002204 and the node-tar absolute-path / link advisories
 * CVE-2021-32803/32804, CVE-2026-23745, CVE-2026-24842, CVE-2026-26960): names are checked here
 * before the libraries' own checks run, so a bad bundle is refused with a clear reason instead of
 * being silently rewritten.
 */
import { DeckhandError } from '../../../protocol/src/errors.ts';

/** What an entry creates. */
export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink';

/** setuid (04000) and setgid (02000): refused by default, since extraction may run as root. */
export const SETUID_SETGID_BITS = 0o6000;

/** Drops set-id bits (unless allowed) and the sticky bit, and keeps directories writable by their owner. */
export function safeMode(mode: number, isDirectory: boolean, allowSetuid: boolean): number {
  const kept = mode & (allowSetuid ? 0o6777 : 0o777);
  return isDirectory ? kept | 0o700 : kept;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * Deepest entry path accepted, in folders. Checking a path costs the guard work for every folder
 * above it, so a 60 KB name of `a/a/a/...` would tie up the agent long before mkdir refused it;
 * node-tar bounds the same thing with maxDepth (CVE-2024-28863). Real trees, node_modules
 * included, stay well under it.
 */
export const MAX_PATH_DEPTH = 128;
/** Longest entry name or link target accepted, in bytes: Linux's PATH_MAX. */
export const MAX_NAME_BYTES = 4096;

/** The error for an entry that would write outside the extraction directory, or could not be trusted. */
export function unsafeEntry(name: string, reason: string): DeckhandError {
  return new DeckhandError('BUNDLE_UNSAFE_PATH', `refusing bundle entry "${name}": ${reason}`, { details: { entry: name } });
}

/**
 * Returns the entry's path relative to the extraction root (`a/b/c`, `''` for the root itself), or
 * throws BUNDLE_UNSAFE_PATH for absolute paths, `..` segments, NUL bytes, and names longer than
 * {@link MAX_NAME_BYTES} or deeper than {@link MAX_PATH_DEPTH}. Backslashes count as separators
 * because a bundle made on Windows means them as such.
 */
export function relativeEntryPath(name: string, opts: { windows: boolean }): string {
  if (name.includes('\0')) throw unsafeEntry(name, 'the name contains a NUL byte');
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_NAME_BYTES) throw unsafeEntry(shortened(name), `the name is ${bytes} bytes long, more than the limit of ${MAX_NAME_BYTES}`);
  if (/^[\\/]/.test(name) || /^[A-Za-z]:/.test(name)) throw unsafeEntry(name, 'absolute paths are not allowed');
  const segments = name.split(/[\\/]/).filter((s) => s !== '' && s !== '.');
  if (segments.length > MAX_PATH_DEPTH) {
    throw unsafeEntry(shortened(name), `the path is ${segments.length} levels deep, more than the limit of ${MAX_PATH_DEPTH}`);
  }
  if (segments.includes('..')) throw unsafeEntry(name, "'..' segments are not allowed");
  if (opts.windows) {
    const bad = segments.find((s) => s.includes(':') || WINDOWS_RESERVED.test(s) || /[. ]$/.test(s));
    if (bad !== undefined) throw unsafeEntry(name, `"${bad}" is not a valid Windows file name`);
  }
  return segments.join('/');
}

/** A name cut to its first 200 characters, for messages about names too long to print. */
function shortened(name: string): string {
  return name.length <= 200 ? name : `${name.slice(0, 200)}…`;
}

/**
 * Tracks what the archive has created so far, to refuse entries that would go through a symlink,
 * duplicate entries, and links that point outside the extraction root.
 */
export class LinkGuard {
  private readonly seen = new Map<string, EntryKind>();
  /** Every symlink admitted: its entry name, target, and where the target resolves (relative to the root). */
  private readonly links: Array<{ name: string; target: string; resolved: string }> = [];

  /**
   * Admits one entry at relative path `rel` (from {@link relativeEntryPath}); `target` is the link
   * target for links. Throws BUNDLE_UNSAFE_PATH naming the entry.
   */
  admit(name: string, rel: string, kind: EntryKind, target?: string): void {
    this.checkParents(name, rel);
    const previous = this.seen.get(rel);
    if (previous !== undefined && !(previous === 'directory' && kind === 'directory')) {
      throw unsafeEntry(name, 'the path appears twice in the bundle');
    }
    if (kind === 'symlink') this.links.push({ name, target: target ?? '', resolved: checkSymlinkTarget(name, rel, target ?? '') });
    if (kind === 'hardlink') this.checkHardlinkTarget(name, target ?? '');
    this.record(rel, kind);
  }

  /**
   * Throws BUNDLE_UNSAFE_PATH for the first symlink that would point outside `top` once `top` (a
   * single top-level folder) becomes the revision root: `top/esc -> ..` stays inside the
   * archive as unpacked, but after the strip it points at the deployment folder.
   */
  checkInside(top: string): void {
    const outside = this.links.find((l) => l.resolved !== top && !l.resolved.startsWith(`${top}/`));
    if (outside !== undefined) {
      throw unsafeEntry(
        outside.name,
        `its link target "${outside.target}" points outside "${top}", the bundle's single top-level folder, which becomes the revision root: ` +
          'the link would point outside the revision',
      );
    }
  }

  private checkParents(name: string, rel: string): void {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const kind = this.seen.get(parts.slice(0, i).join('/'));
      if (kind !== undefined && kind !== 'directory') {
        throw unsafeEntry(name, `it would be written through "${parts.slice(0, i).join('/')}", which is not a directory`);
      }
    }
  }

  /** Hard links may only point at a regular file this archive already extracted. */
  private checkHardlinkTarget(name: string, target: string): void {
    let rel: string;
    try {
      rel = relativeEntryPath(target, { windows: false });
    } catch {
      // The parse error names the target only; the entry name is what the user needs.
      throw unsafeEntry(name, `its hard-link target "${target}" is outside the bundle`);
    }
    if (this.seen.get(rel) !== 'file') {
      throw unsafeEntry(name, `its hard-link target "${target}" is not a file extracted earlier from the bundle`);
    }
  }

  private record(rel: string, kind: EntryKind): void {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!this.seen.has(parent)) this.seen.set(parent, 'directory');
    }
    if (rel !== '') this.seen.set(rel, kind);
  }
}

/**
 * A symlink target must be relative and stay inside the root, resolved from the link's directory.
 * `..` may only lead the target (`../../lib/x`, not `a/../..`): after a name, `..` would be
 * resolved through whatever that name is on disk (possibly another link), not lexically.
 * @returns where the target resolves, relative to the root (`''` for the root itself).
 */
function checkSymlinkTarget(name: string, rel: string, target: string): string {
  if (target === '' || target.includes('\0')) throw unsafeEntry(name, 'its link target is empty or has a NUL byte');
  const bytes = Buffer.byteLength(target);
  if (bytes > MAX_NAME_BYTES) throw unsafeEntry(name, `its link target is ${bytes} bytes long, more than the limit of ${MAX_NAME_BYTES}`);
  if (/^[\\/]/.test(target) || /^[A-Za-z]:/.test(target)) {
    throw unsafeEntry(name, `its link target "${target}" is an absolute path`);
  }
  const resolved = rel.split('/').slice(0, -1);
  let sawName = false;
  for (const segment of target.split(/[\\/]/)) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') {
      sawName = true;
      resolved.push(segment);
      continue;
    }
    if (sawName) throw unsafeEntry(name, `its link target "${target}" has '..' after a name`);
    if (resolved.pop() === undefined) throw unsafeEntry(name, `its link target "${target}" points outside the bundle`);
  }
  return resolved.join('/');
}
