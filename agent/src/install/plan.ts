/**
 * Plans the Install event: which directories to create and which files to copy where, with the
 * appspec conflicts and file_exists_behavior decisions CodeDeploy makes (installer.rb,
 * install_instruction.rb). Planning reads the file system but changes nothing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError, type FileExistsBehavior } from '../../../protocol/src/index.ts';
import type { FileMapping } from '../appspec/types.ts';
import { resolveDestination, resolveSource, type Containment } from './paths.ts';

/** One step of an install. */
export type InstallOp =
  | { kind: 'mkdir'; path: string }
  | { kind: 'copy'; from: string; to: string; symlink: boolean; replace: boolean };

/** The planned steps, plus existing files that DISALLOW forbids and RETAIN keeps. */
export interface InstallPlan {
  ops: InstallOp[];
  conflicts: string[];
  retained: string[];
}

/** What the planner needs to know. */
export interface PlanInput {
  archiveDir: string;
  files: readonly FileMapping[];
  behavior: FileExistsBehavior;
  destRoot: string | undefined;
  containment: Containment;
  /** Paths to treat as absent: files the previous revision's cleanup is about to remove. */
  goingAway: ReadonlySet<string>;
}

type Kind = 'file' | 'directory' | 'missing';

/** Builds the plan; throws INSTALL_CONFLICT for conflicts inside the appspec itself. */
export async function planInstall(input: PlanInput): Promise<InstallPlan> {
  const planner = new Planner(input);
  for (const mapping of input.files) await planner.mapping(mapping);
  return planner.plan;
}

class Planner {
  readonly plan: InstallPlan = { ops: [], conflicts: [], retained: [] };
  private readonly targets = new Map<string, string>();
  private readonly dirs = new Set<string>();

  constructor(private readonly input: PlanInput) {}

  async mapping(mapping: FileMapping): Promise<void> {
    const source = resolveSource(this.input.archiveDir, mapping.source);
    const destination = resolveDestination(mapping.destination, this.input.destRoot);
    const stat = await fs.stat(source).catch(() => undefined);
    if (stat === undefined) {
      throw new DeckhandError('INSTALL_FAILED', `source "${mapping.source}" does not exist in the revision`);
    }
    // The destination is always a directory: a file source keeps its name inside it.
    await this.ensureAncestors(path.dirname(destination));
    await this.ensureDir(destination);
    if (!stat.isDirectory()) {
      await this.copy(source, path.join(destination, path.basename(source)), false);
      return;
    }
    await this.walk(source, destination, [await fs.realpath(source)]);
  }

  /** Copies a directory's contents; a symlink to a directory is followed, as CodeDeploy does (#152). */
  private async walk(dir: string, dest: string, chain: string[]): Promise<void> {
    const names = (await fs.readdir(dir)).sort();
    for (const name of names) {
      const from = path.join(dir, name);
      const to = path.join(dest, name);
      const lstat = await fs.lstat(from);
      const stat = lstat.isSymbolicLink() ? await fs.stat(from).catch(() => undefined) : lstat;
      if (stat?.isDirectory() !== true) {
        await this.copy(from, to, lstat.isSymbolicLink());
        continue;
      }
      const real = await fs.realpath(from);
      if (chain.includes(real)) {
        throw new DeckhandError('INSTALL_FAILED', `${path.relative(this.input.archiveDir, from)} is a symlink loop`);
      }
      await this.ensureDir(to);
      await this.walk(from, to, [...chain, real]);
    }
  }

  /** Plans a mkdir for every missing ancestor of `dir` and for `dir` itself, outermost first. */
  private async ensureAncestors(dir: string): Promise<void> {
    const missing: string[] = [];
    for (let p = dir; path.dirname(p) !== p; p = path.dirname(p)) {
      if (this.dirs.has(p) || (await this.kind(p)) !== 'missing') break;
      missing.unshift(p);
    }
    for (const p of missing) await this.ensureDir(p);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    const source = this.targets.get(dir);
    if (source !== undefined) {
      throw new DeckhandError('INSTALL_CONFLICT', `${dir} is both the copy target of ${this.rel(source)} and a directory to create`);
    }
    await this.input.containment.check(dir);
    const kind = await this.kind(dir);
    if (kind === 'directory') return;
    if (kind === 'file') {
      throw new DeckhandError('INSTALL_CONFLICT', `a file already exists at ${dir}, where the revision needs a directory`);
    }
    this.dirs.add(dir);
    this.plan.ops.push({ kind: 'mkdir', path: dir });
  }

  private async copy(from: string, to: string, symlink: boolean): Promise<void> {
    const previous = this.targets.get(to);
    if (previous !== undefined) {
      throw new DeckhandError('INSTALL_CONFLICT', `the appspec copies both ${this.rel(previous)} and ${this.rel(from)} to ${to}`);
    }
    if (this.dirs.has(to)) {
      throw new DeckhandError('INSTALL_CONFLICT', `${to} is both a directory to create and the copy target of ${this.rel(from)}`);
    }
    this.targets.set(to, from);
    await this.input.containment.check(path.dirname(to));
    const existing = await this.kind(to);
    if (existing !== 'missing') {
      if (this.input.behavior === 'DISALLOW') return void this.plan.conflicts.push(to);
      if (this.input.behavior === 'RETAIN') return void this.plan.retained.push(to);
      if (existing === 'directory') {
        throw new DeckhandError('INSTALL_CONFLICT', `cannot overwrite the directory ${to} with the file ${this.rel(from)}`);
      }
    }
    this.plan.ops.push({ kind: 'copy', from, to, symlink, replace: existing !== 'missing' });
  }

  /** What is at `p`, seen through the pending cleanup: a file about to be removed is missing. */
  private async kind(p: string): Promise<Kind> {
    const lstat = await fs.lstat(p).catch(() => undefined);
    if (lstat === undefined) return 'missing';
    const stat = lstat.isSymbolicLink() ? await fs.stat(p).catch(() => lstat) : lstat;
    if (stat.isDirectory()) return 'directory';
    return this.input.goingAway.has(p) ? 'missing' : 'file';
  }

  private rel(source: string): string {
    return path.relative(this.input.archiveDir, source) || '.';
  }
}
