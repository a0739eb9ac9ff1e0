/**
 * Fault scenarios of the coordinator's own store: a WAL cut short (the last commits lost, as an
 * OS crash can leave it with --store-sync normal) and a damaged page. Each deploys, takes a backup
 * with `deckhand-coordinator backup`, deploys again (what the fault will lose), does its damage to
 * a killed coordinator and starts it again; the next deployment to the same host must succeed. A
 * damaged store must be refused at start (exit 78, the file named, a copy kept) and served again
 * once `deckhand-coordinator restore` has put the backup back. (A store restored from a backup
 * taken mid-deployment is rollbacks.ts's.)
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { openSqlite } from '../../common/src/sqlite.ts';
import { damagePage } from '../support/damage.ts';
import type { Violation } from './invariants.ts';
import { BIN } from './processes.ts';
import type { Rng } from './rng.ts';
import { CALM, runOnce, type RunResult } from './run.ts';
import type { Revision, World } from './world.ts';

const execFileP = promisify(execFile);

/** The store faults, taken in turn by successive runs. */
export const STORE_FAULTS = ['truncated WAL', 'damaged page'] as const;
type StoreFault = (typeof STORE_FAULTS)[number];

async function coordinatorCommand(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [BIN('deckhand-coordinator'), ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** Cuts the killed coordinator's WAL to a seeded share of its frames: its last commits are gone. */
function truncateWal(dataDir: string, rng: Rng): string {
  const wal = path.join(dataDir, 'coordinator.db-wal');
  const size = existsSync(wal) ? statSync(wal).size : 0;
  if (size <= 32) return 'the WAL was empty';
  const keep = 32 + Math.floor((size - 32) * rng.int(10, 90) / 100);
  truncateSync(wal, keep);
  return `WAL cut from ${size} to ${keep} bytes`;
}

/** Copies the running coordinator's WAL into its store; its next commit starts the WAL afresh. */
function checkpoint(dataDir: string): void {
  const db = openSqlite(path.join(dataDir, 'coordinator.db'));
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } finally {
    db.close();
  }
}

/** Merges the WAL into the store (as a clean stop would) and damages the root page of `instances`. */
function damageStore(dataDir: string): void {
  const file = path.join(dataDir, 'coordinator.db');
  const db = openSqlite(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const root = (db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'instances'").get() as { rootpage: number }).rootpage;
  db.close();
  damagePage(file, root);
}

/** Starts the coordinator on a damaged store: it must exit 78, name the file and keep a copy. */
async function expectRefusal(world: World, v: (detail: string) => void): Promise<void> {
  const file = path.join(world.coordinator.dataDir, 'coordinator.db');
  const started = await world.coordinator.start().then(() => true, () => false);
  if (started) {
    v('the coordinator started on a damaged store');
    await world.coordinator.kill9();
    return;
  }
  const exit = await world.coordinator.proc?.exited;
  const said = world.coordinator.proc?.tail() ?? '';
  if (exit?.code !== 78) v(`a damaged store ended the coordinator with ${JSON.stringify(exit)}, not exit code 78`);
  if (!said.includes(`${file} is damaged`)) v(`the refusal does not name the damaged store: ${JSON.stringify(said.slice(-400))}`);
  if (!readdirSync(world.coordinator.dataDir).some((f) => f.startsWith('coordinator.db.damaged-'))) v('no copy of the damaged store was kept');
}

/** Does `fault` to the killed coordinator's store and starts it again (restoring `backup` where needed). */
async function rollBack(world: World, fault: StoreFault, backup: string, rng: Rng, v: (detail: string) => void): Promise<string> {
  const dataDir = world.coordinator.dataDir;
  let how: string = fault;
  if (fault === 'truncated WAL') how = `${fault}: ${truncateWal(dataDir, rng)}`;
  if (fault === 'damaged page') {
    damageStore(dataDir);
    await expectRefusal(world, v);
  }
  if (fault !== 'truncated WAL') {
    const restored = await coordinatorCommand(['restore', '--from', backup, '--data-dir', dataDir]);
    if (restored.code !== 0) v(`restore failed: ${restored.out}`);
  }
  const port = await world.coordinator.start();
  for (const host of world.allHosts()) host.proxy.retarget(port);
  return how;
}

/**
 * The deployment whose events the rollback lost normally finishes from the events its agent
 * sends again (journal resynchronisation); should it still be running, the operator stops it
 * before deploying to the group again. A restored backup does not know it at all (404).
 */
async function stopStale(world: World, deploymentId: string, v: (detail: string) => void): Promise<void> {
  const res = await world.api('POST', `/v1/deployments/${deploymentId}/stop`, {});
  if (![200, 404, 409].includes(res.status)) v(`stopping the deployment the rollback left running answered ${res.status}: ${JSON.stringify(res.body)}`);
  if (res.status !== 200) return;
  for (let waited = 0; waited < 20_000; waited += 200) {
    const view = await world.api<{ status: string }>('GET', `/v1/deployments/${deploymentId}`);
    if (['Succeeded', 'Failed', 'Stopped'].includes(view.body.status)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  v(`the deployment the rollback left running did not stop within 20 s`);
}

/**
 * One run of the store fault `fault` on a host of its own: deploy, back up, deploy again, damage
 * the store of the killed coordinator, start it (restored where it must be), deploy once more.
 */
export async function runStoreFault(world: World, revisions: Revision[], rng: Rng, runId: string, fault: StoreFault): Promise<RunResult> {
  const group = await world.addGroup(runId, 'CodeDeployDefault.AllAtOnce', 1);
  const first = await runOnce(world, group, revisions[0]!, CALM, rng, runId);
  const violations: Violation[] = [...first.violations];
  // Violations name the fault, and once it is done, how it was done (how much WAL was cut).
  let label: string = fault;
  const v = (detail: string): void => void violations.push({ invariant: 'store-rollback', detail: `${label}: ${detail}` });
  const backup = path.join(world.dir, `${runId}-backup.db`);
  const made = await coordinatorCommand(['backup', '--data-dir', world.coordinator.dataDir, '--to', backup]);
  if (made.code !== 0) v(`backup failed: ${made.out}`);
  // The WAL then holds only what follows (the next deployment), so cutting it loses that alone.
  if (fault === 'truncated WAL') checkpoint(world.coordinator.dataDir);
  const lost = await runOnce(world, group, revisions[1]!, CALM, rng, `${runId}-lost`);
  violations.push(...lost.violations);
  label = await world.exclusive(async () => {
    await world.coordinator.kill9();
    return rollBack(world, fault, backup, rng, v);
  });
  await stopStale(world, lost.deploymentId, v);
  const after = await runOnce(world, group, revisions[2]!, CALM, rng, `${runId}-after`);
  violations.push(...after.violations);
  if (after.status !== 'Succeeded') v(`the deployment after the rollback ended ${after.status}`);
  await group.hosts[0]?.agent.stop();
  // Stable names for the report's table; a WAL cut short sends the store back in time.
  const kind = fault === 'truncated WAL' ? 'state rollback: coordinator store WAL cut short' : 'coordinator store: damaged page';
  return { ...after, runId, faults: new Map([[kind, 1]]), violations };
}
