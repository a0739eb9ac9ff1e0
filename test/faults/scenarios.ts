/**
 * Fault scenarios that need a host of their own: a full deployment disk (a 1 MiB tmpfs mounted as
 * the host's install root and filled up; mounting needs root) and a corrupt journal (the agent
 * must refuse to start, say why, and keep a copy of the damaged file).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fill, mountTmpfs, unmount } from '../support/tmpfs.ts';
import { Rng } from './rng.ts';
import { CALM, runOnce, type RunResult } from './run.ts';
import type { Violation } from './invariants.ts';
import type { Revision, World } from './world.ts';

/** A scenario this machine cannot stage (`what` it is, `why` not), counted as such in the report. */
export function skipped(runId: string, what: string, why: string): RunResult {
  return { runId, seed: 0, deploymentId: '-', status: `skipped (${why})`, faults: new Map([[`${what} skipped: ${why}`, 1]]), errorCodes: [], violations: [] };
}

/**
 * Deploys to a host whose install root is full: the deployment must end Failed with the files
 * untouched; with the space back, the next deployment must succeed.
 */
export async function runDiskFull(world: World, revisions: Revision[], rng: Rng, runId: string): Promise<RunResult> {
  const dest = path.join(world.dir, `${runId}-dest`);
  if (!mountTmpfs(dest, '1m')) return skipped(runId, 'disk full', 'mount not permitted');
  try {
    const group = await world.addGroup(runId, 'CodeDeployDefault.AllAtOnce', 1, [dest]);
    fill(dest);
    const full = await runOnce(world, group, revisions[0]!, CALM, rng, runId);
    full.faults.set('disk full (tmpfs)', 1);
    if (full.status !== 'Failed') full.violations.push({ invariant: 'terminal', detail: `a full disk ended ${full.status}, not Failed` });
    rmSync(path.join(dest, 'filler'));
    const again = await runOnce(world, group, revisions[1]!, CALM, rng, `${runId}-freed`);
    if (again.status !== 'Succeeded') full.violations.push({ invariant: 'terminal', detail: `after freeing space the next deployment ended ${again.status}` });
    full.violations.push(...again.violations);
    return full;
  } finally {
    await world.groups.find((g) => g.name === runId)?.hosts[0]?.agent.stop();
    unmount(dest);
  }
}

/** Damages a journal file in one of three seeded ways; returns how. */
function corrupt(file: string, rng: Rng): string {
  const bytes = readFileSync(file);
  const how = rng.pick(['header', 'truncated', 'pages'] as const);
  if (how === 'header') {
    for (let i = 0; i < 100; i++) bytes[i] = rng.int(0, 255);
    writeFileSync(file, bytes);
  } else if (how === 'truncated') {
    writeFileSync(file, bytes.subarray(0, Math.max(4096, Math.floor(bytes.length / 2) + 17)));
  } else {
    for (let i = 4096; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
    writeFileSync(file, bytes);
  }
  return how;
}

/** Files in `root` (other than the live journal) holding exactly `content`. */
function copiesOf(root: string, content: Buffer): string[] {
  const live = new Set(['agent.db', 'agent.db-wal', 'agent.db-shm']);
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (!(dir === root && live.has(name)) && statSync(file).size === content.length && readFileSync(file).equals(content)) found.push(file);
    }
  };
  walk(root);
  return found;
}

/**
 * Runs a deployment on a fresh host, stops its agent, damages the journal and starts the agent
 * again: it must exit non-zero naming the corrupt journal, and keep a copy of the damaged bytes.
 */
export async function runCorruptJournal(world: World, revision: Revision, rng: Rng, runId: string): Promise<RunResult> {
  const group = await world.addGroup(runId, 'CodeDeployDefault.AllAtOnce', 1);
  const first = await runOnce(world, group, revision, CALM, rng, runId);
  const host = group.hosts[0]!;
  await host.agent.stop();
  const file = path.join(host.agent.root, 'agent.db');
  const how = corrupt(file, rng);
  const damaged = readFileSync(file);
  const proc = host.agent.start();
  const exit = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000))]);
  const violations: Violation[] = [...first.violations];
  const v = (detail: string): void => void violations.push({ invariant: 'corrupt-journal', host: host.name, detail: `${how}: ${detail}` });
  if (exit === undefined) {
    v('the agent kept running on a corrupt journal');
    await host.agent.kill9();
  } else if (exit.code === 0) v('the agent exited 0');
  const said = proc.tail();
  if (!/corrupt/i.test(said) || !said.includes('agent.db')) v(`its message does not name the corrupt journal: ${JSON.stringify(said.slice(-400))}`);
  if (copiesOf(host.agent.root, damaged).length === 0 && !(existsSync(file) && readFileSync(file).equals(damaged))) {
    v('no copy of the damaged journal was kept');
  }
  return { ...first, runId, faults: new Map([[`corrupt journal (${how})`, 1]]), violations };
}
