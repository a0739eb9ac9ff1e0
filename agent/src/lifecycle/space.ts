/**
 * A deployment that failed for a full disk gives its space back: once it is over (after
 * AfterFailure, whose scripts live in the unpacked revision), its bundle, any partial download
 * or unpacking and the unpacked revision are removed. Its logs and status files stay: they are
 * small, and they are how the failure is diagnosed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DeploymentContext } from './context.ts';

/** The staging folders extractBundle makes next to the archive (bundle/extract.ts). */
const STAGING = /^\.deployment-archive\.staging-/;

/** Removes the deployment's bundle, partial files and unpacked revision; returns what it removed. */
export async function releaseSpace(ctx: DeploymentContext): Promise<string[]> {
  const names = await fs.readdir(ctx.deploymentDir).catch(() => [] as string[]);
  const staging = names.filter((n) => STAGING.test(n)).map((n) => path.join(ctx.deploymentDir, n));
  const candidates = [ctx.bundleFile, `${ctx.bundleFile}.part`, ctx.archiveDir, ...staging];
  const removed: string[] = [];
  for (const p of candidates) {
    if ((await fs.lstat(p).catch(() => undefined)) === undefined) continue;
    await fs.rm(p, { recursive: true, force: true });
    removed.push(p);
  }
  return removed;
}
