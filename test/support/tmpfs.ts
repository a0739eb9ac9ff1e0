/**
 * Small real file systems for disk-full tests: a tmpfs of a given size, mounted (as root) on a
 * directory. The fault suite fills one as a host's install root; unit and e2e tests put bundles,
 * agent roots and destinations on one to meet a real ENOSPC.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, statfsSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireRoot, skipForMissing } from './requirements.ts';

/** Mounts a `size` tmpfs (e.g. `1m`) at `dir`; false when this sandbox does not allow it. */
export function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // not root, or no CAP_SYS_ADMIN: the caller skips, saying so
  }
}

/** Unmounts `dir` (lazily, so a file still open there does not stop it). */
export function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  } catch {
    // Not mounted (the mount failed, or it is already gone): nothing to undo.
  }
}

/** Bytes in use on the file system of `dir`. */
export function usedBytes(dir: string): number {
  const { blocks, bfree, bsize } = statfsSync(dir);
  return (blocks - bfree) * bsize;
}

/** Fills the file system of `dir` with `dir/filler` until a write fails with ENOSPC. */
export function fill(dir: string): void {
  const chunk = Buffer.alloc(64 * 1024, 1);
  const file = path.join(dir, 'filler');
  for (let i = 0; i < 1_000_000; i++) {
    try {
      writeFileSync(file, chunk, { flag: 'a' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw err;
    }
  }
}

/** Fills the file system of `dir` (see {@link fill}), then gives `bytes` back: that much is left free. */
export function fillLeaving(dir: string, bytes: number): void {
  fill(dir);
  const file = path.join(dir, 'filler');
  truncateSync(file, Math.max(0, statSync(file).size - bytes));
}

/**
 * Mounts a `size` tmpfs at `dir` for the running test or suite (call from a hook or test), or
 * marks it pending naming why: not root, or mounting not permitted here.
 */
export function requireTmpfs(ctx: Mocha.Context, dir: string, size: string): void {
  requireRoot(ctx, `mounting a ${size} tmpfs`);
  if (!mountTmpfs(dir, size)) skipForMissing(ctx, 'permission to mount a tmpfs');
}
