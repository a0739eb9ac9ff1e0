/**
 * Revision retention (CodeDeploy's `:max_revisions:`): each deployment group keeps its newest
 * deployment directories and always the last successful one; older ones are deleted.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';

/** CodeDeploy's default `max_revisions`. */
export const DEFAULT_MAX_REVISIONS = 5;

/** Options of {@link pruneGroup}. */
export interface PruneGroupOptions {
  /** `<root>/deployments/<groupId>`. */
  groupDir: string;
  /** Deployment dirs kept in all cases, e.g. the current one and the last successful one. */
  keep: ReadonlyArray<string | undefined>;
  /** How many deployment dirs the group may hold, kept ones included. @default 5 */
  maxRevisions?: number;
}

/**
 * Deletes the oldest (by mtime) deployment dirs of a group beyond `maxRevisions`, never one in
 * `keep`. As in CodeDeploy the count includes the kept dirs, so `maxRevisions: 1` with a current
 * and a last successful dir keeps both.
 * @returns the deleted directories.
 * @throws DeckhandError VALIDATION_FAILED when maxRevisions is not an integer ≥ 1.
 */
export async function pruneGroup(opts: PruneGroupOptions): Promise<string[]> {
  const max = opts.maxRevisions ?? DEFAULT_MAX_REVISIONS;
  if (!Number.isInteger(max) || max < 1) {
    throw new DeckhandError('VALIDATION_FAILED', `maxRevisions must be an integer of at least 1, got ${max}`);
  }
  const keep = new Set(opts.keep.filter((d): d is string => d !== undefined).map((d) => path.resolve(d)));
  const dirs = await deploymentDirs(opts.groupDir);
  const keptCount = dirs.filter((d) => keep.has(d.dir)).length;
  const candidates = dirs.filter((d) => !keep.has(d.dir)).sort((a, b) => b.mtimeMs - a.mtimeMs);
  const doomed = candidates.slice(Math.max(0, max - keptCount));
  for (const { dir } of doomed) await fs.rm(dir, { recursive: true, force: true });
  return doomed.map((d) => d.dir);
}

/** Prunes every group under `<root>/deployments`; `keepFor` names the dirs each group must keep. */
export async function pruneAllGroups(
  deploymentsDir: string,
  keepFor: (groupId: string) => ReadonlyArray<string | undefined>,
  maxRevisions?: number,
): Promise<string[]> {
  const groups = await fs.readdir(deploymentsDir, { withFileTypes: true }).catch(() => []);
  const deleted: string[] = [];
  for (const group of groups.filter((g) => g.isDirectory())) {
    const groupDir = path.join(deploymentsDir, group.name);
    const opts: PruneGroupOptions = { groupDir, keep: keepFor(group.name), ...(maxRevisions === undefined ? {} : { maxRevisions }) };
    deleted.push(...(await pruneGroup(opts)));
  }
  return deleted;
}

async function deploymentDirs(groupDir: string): Promise<Array<{ dir: string; mtimeMs: number }>> {
  const entries = await fs.readdir(groupDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const out: Array<{ dir: string; mtimeMs: number }> = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const dir = path.resolve(groupDir, entry.name);
    out.push({ dir, mtimeMs: (await fs.stat(dir)).mtimeMs });
  }
  return out;
}
