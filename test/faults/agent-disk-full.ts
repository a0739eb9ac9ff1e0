/**
 * A full disk under the agent itself (issue 14): the agent root (journal, logs, downloads and
 * unpacked revisions) on a small tmpfs with less room left than the revision about to be
 * deployed needs, so the disk fills up in the middle of the download or of its unpacking
 * (seeded). The deployment must end Failed by name (DISK_FULL, never TIMEOUT), the agent must
 * give the space back (no bundle, partial file or unpacked revision of that deployment left) and
 * keep running, and once the space is freed the same revision must deploy. Mounting needs root;
 * without it the run is reported skipped, saying why.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fillLeaving, mountTmpfs, unmount, usedBytes } from '../support/tmpfs.ts';
import type { Violation } from './invariants.ts';
import type { Rng } from './rng.ts';
import { CALM, runOnce, type RunResult } from './run.ts';
import { skipped } from './scenarios.ts';
import type { Revision, World } from './world.ts';

/** The agent root's file system, and the incompressible file of the revision it cannot hold. */
const ROOT_SIZE = '16m';
const BLOB_BYTES = 4 * 1024 * 1024;
const KIB = 1024;

/** Where the disk is meant to fill up, and how much room is left for it. */
type Stage = 'journal' | 'download' | 'unpacking';

function roomFor(stage: Stage, rng: Rng): number {
  // Next to nothing (the journal cannot take the command), a download cut short, or a download
  // that fits and an unpacking that does not.
  if (stage === 'journal') return rng.int(0, 8) * KIB;
  return stage === 'download' ? rng.int(256, 3 * 1024) * KIB : BLOB_BYTES + rng.int(256, 3 * 1024) * KIB;
}

/** What a failed deployment left of its download and unpacking in the agent root (should be nothing). */
function leftovers(root: string, deploymentId: string): string[] {
  const groups = path.join(root, 'deployments');
  if (!existsSync(groups)) return [];
  const found: string[] = [];
  for (const group of readdirSync(groups)) {
    const dir = path.join(groups, group, deploymentId);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (name.startsWith('bundle.') || name.startsWith('.deployment-archive.staging-') || name === 'deployment-archive') found.push(path.join(dir, name));
    }
  }
  return found;
}

/**
 * The failed deployment's own checks: its error codes, what it left on the disk, the space it
 * holds. Returns what the agent said it was doing when the disk filled up ("saving the bundle").
 */
async function checkFailure(world: World, full: RunResult, root: string, usedBefore: number, v: (detail: string) => void): Promise<string> {
  if (full.status !== 'Failed') v(`the deployment ended ${full.status}, not Failed`);
  // The failed event says DISK_FULL in its message (its code is a lifecycle one); a command the
  // host refused to journal says it in the target's code.
  const { body: view } = await world.api('GET', `/v1/deployments/${full.deploymentId}`);
  const said = JSON.stringify(view?.targets ?? view);
  if (!said.includes('DISK_FULL: disk full on the host') && !said.includes('"DISK_FULL"')) v(`the deployment does not say DISK_FULL: ${said.slice(0, 1500)}`);
  const deployment = await world.readDeployment(full.deploymentId);
  const codes = [...full.errorCodes, ...(deployment?.targets.flatMap((t) => (t.errorCode === null ? [] : [t.errorCode])) ?? [])];
  if (codes.some((c) => /TIMEOUT|TimedOut/i.test(c))) v(`it failed by a deadline, not by name: ${JSON.stringify(codes)}`);
  const left = leftovers(root, full.deploymentId);
  if (left.length > 0) v(`the failed deployment left ${left.join(', ')}`);
  const held = usedBytes(root) - usedBefore;
  if (held > BLOB_BYTES / 4) v(`the failed deployment still holds ${Math.round(held / KIB)} KiB of the agent root`);
  return /disk full on the host[^:]*: ([a-z ]+?) failed/.exec(said)?.[1] ?? 'not said';
}

/**
 * Deploys once (the journal and logs in use), fills the agent root but for less than the
 * revision needs, deploys a revision of an incompressible 4 MiB file, checks the failure, frees
 * the space and deploys that revision again.
 */
export async function runAgentDiskFull(world: World, revisions: Revision[], rng: Rng, runId: string): Promise<RunResult> {
  const root = path.join(world.dir, `${runId}-agent-root`);
  if (!mountTmpfs(root, ROOT_SIZE)) return skipped(runId, 'agent root disk full', 'mount not permitted');
  try {
    const big = await world.addRevision(`${runId}-big`, undefined, { 'blob.bin': randomBytes(BLOB_BYTES) });
    const group = await world.addGroup(runId, 'CodeDeployDefault.AllAtOnce', 1, [], [root]);
    const violations: Violation[] = [];
    const stage = rng.pick(['journal', 'download', 'unpacking'] as const);
    let label: string = stage;
    const v = (detail: string): void => void violations.push({ invariant: 'agent-disk-full', host: group.hosts[0]!.name, detail: `${label}: ${detail}` });
    violations.push(...(await runOnce(world, group, revisions[0]!, CALM, rng, `${runId}-warm`)).violations);
    const room = roomFor(stage, rng);
    fillLeaving(root, room);
    label = `${stage}, ${Math.round(room / KIB)} KiB left for a ${BLOB_BYTES / KIB / KIB} MiB revision`;
    const usedBefore = usedBytes(root);
    const full = await runOnce(world, group, big, CALM, rng, runId);
    // An ack that came while the disk was full could not be marked in the journal: the
    // coordinator has the event, the row waits for the next ack (the run after the space is
    // freed, whose own check sees it marked).
    violations.push(...full.violations.filter((x) => x.invariant !== 'acks-journaled'));
    const doing = await checkFailure(world, full, root, usedBefore, v);
    rmSync(path.join(root, 'filler'));
    const again = await runOnce(world, group, big, CALM, rng, `${runId}-freed`);
    violations.push(...again.violations);
    if (again.status !== 'Succeeded') v(`with the space freed, the same revision ended ${again.status}`);
    return { ...full, faults: new Map([[`agent root disk full (${doing})`, 1]]), violations };
  } finally {
    await world.groups.find((g) => g.name === runId)?.hosts[0]?.agent.stop();
    unmount(root);
  }
}
