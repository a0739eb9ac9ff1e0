/**
 * Plans the Install event: which directories to create and which files to copy where, with the
 * appspec conflicts and file_exists_behavior decisions CodeDeploy makes (installer.rb,
 * install_instruction.rb). Planning reads the file system but changes nothing.
 *
 * It reads with synchronous calls, letting the event loop turn every few hundred entries: a
 * revision of many small files costs a thread-pool round trip per lstat otherwise, several times
 * the syscall itself (bench/unpack's small-files case).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { FileExistsBehavior } from '../../../protocol/src/schemas.ts';
import type { FileMapping } from '../appspec/types.ts';
import { resolveDestination, resolveSource, type Containment } from './paths.ts';

/** One step of an install. */
export type InstallOp =
  | { kind: 'mkdir'; path: string }
  | { kind: 'copy'; from: string; to: string; symlink: boolean; replace: boolean; times: FileTimes };

/** A source file's access and modification times, which its copy keeps (CodeDeploy copies with preserve). */
export interface FileTimes {
  atime: Date;
  mtime: Date;
}

/** Entries looked at between two turns of the event loop. */
const ENTRIES_PER_TURN = 256;

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
  /** Directories the plan creates: each is missing on disk when planned. */
  private readonly dirs = new Set<string>();
  private seen = 0;

  constructor(private readonly input: PlanInput) {}

  async mapping(mapping: FileMapping): Promise<void> {
    const source = resolveSource(this.input.archiveDir, mapping.source);
    const destination = resolveDestination(mapping.destination, this.input.destRoot);
    const stat = statOrNothing(source);
    if (stat === undefined) {
      throw new DeckhandError('INSTALL_FAILED', `source "${mapping.source}" does not exist in the revision`);
    }
    // The destination is always a directory: a file source keeps its name inside it.
    this.ensureAncestors(path.dirname(destination));
    this.ensureDir(destination);
    if (!stat.isDirectory()) {
      this.copy(source, path.join(destination, path.basename(source)), stat, false);
      return;
    }
    await this.walk(source, destination, [fs.realpathSync(source)]);
  }

  /** Copies a directory's contents; a symlink to a directory is followed, as CodeDeploy does (#152). */
  private async walk(dir: string, dest: string, chain: string[]): Promise<void> {
    const names = fs.readdirSync(dir).sort();
    for (const name of names) {
      if (++this.seen % ENTRIES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      const from = path.join(dir, name);
      const to = path.join(dest, name);
      const lstat = fs.lstatSync(from);
      const stat = lstat.isSymbolicLink() ? statOrNothing(from) : lstat;
      if (stat?.isDirectory() !== true) {
        this.copy(from, to, lstat, lstat.isSymbolicLink());
        continue;
      }
      const real = fs.realpathSync(from);
      if (chain.includes(real)) {
        throw new DeckhandError('INSTALL_FAILED', `${path.relative(this.input.archiveDir, from)} is a symlink loop`);
      }
      this.ensureDir(to);
      await this.walk(from, to, [...chain, real]);
    }
  }

  /** Plans a mkdir for every missing ancestor of `dir` and for `dir` itself, outermost first. */
  private ensureAncestors(dir: string): void {
    const missing: string[] = [];
    for (let p = dir; path.dirname(p) !== p; p = path.dirname(p)) {
      if (this.dirs.has(p) || this.kind(p) !== 'missing') break;
      missing.unshift(p);
    }
    for (const p of missing) this.ensureDir(p);
  }

  private ensureDir(dir: string): void {
    if (this.dirs.has(dir)) return;
    const source = this.targets.get(dir);
    if (source !== undefined) {
      throw new DeckhandError('INSTALL_CONFLICT', `${dir} is both the copy target of ${this.rel(source)} and a directory to create`);
    }
    this.input.containment.check(dir);
    const kind = this.kind(dir);
    if (kind === 'directory') return;
    if (kind === 'file') {
      throw new DeckhandError('INSTALL_CONFLICT', `a file already exists at ${dir}, where the revision needs a directory`);
    }
    this.dirs.add(dir);
    this.plan.ops.push({ kind: 'mkdir', path: dir });
  }

  private copy(from: string, to: string, stat: fs.Stats, symlink: boolean): void {
    const previous = this.targets.get(to);
    if (previous !== undefined) {
      throw new DeckhandError('INSTALL_CONFLICT', `the appspec copies both ${this.rel(previous)} and ${this.rel(from)} to ${to}`);
    }
    if (this.dirs.has(to)) {
      throw new DeckhandError('INSTALL_CONFLICT', `${to} is both a directory to create and the copy target of ${this.rel(from)}`);
    }
    this.targets.set(to, from);
    this.input.containment.check(path.dirname(to));
    const existing = this.kind(to);
    if (existing !== 'missing') {
      if (this.input.behavior === 'DISALLOW') return void this.plan.conflicts.push(to);
      if (this.input.behavior === 'RETAIN') return void this.plan.retained.push(to);
      if (existing === 'directory') {
        throw new DeckhandError('INSTALL_CONFLICT', `cannot overwrite the directory ${to} with the file ${this.rel(from)}`);
      }
    }
    const times = { atime: stat.atime, mtime: stat.mtime };
    this.plan.ops.push({ kind: 'copy', from, to, symlink, replace: existing !== 'missing', times });
  }

  /** What is at `p`, seen through the pending cleanup: a file about to be removed is missing. */
  private kind(p: string): Kind {
    // In a directory this plan creates (so missing now), nothing can exist yet: no need to look.
    if (this.dirs.has(path.dirname(p))) return 'missing';
    const lstat = fs.lstatSync(p, { throwIfNoEntry: false });
    if (lstat === undefined) return 'missing';
    const stat = lstat.isSymbolicLink() ? (statOrNothing(p) ?? lstat) : lstat;
    if (stat.isDirectory()) return 'directory';
    return this.input.goingAway.has(p) ? 'missing' : 'file';
  }

  private rel(source: string): string {
    return path.relative(this.input.archiveDir, source) || '.';
  }
}

/** What `p` is, following links; undefined when it (or a link's target) does not exist. */
function statOrNothing(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    // Missing, or a dangling link: the caller treats both as nothing there.
    return undefined;
  }
}
