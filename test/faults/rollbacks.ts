/**
 * State that goes back in time (issue 14's rollbacks): a coordinator store restored from a
 * backup taken while a deployment ran, and an agent journal restored from an older copy. After
 * either, the deployment caught in the backup must end as it really did, the next deployment on
 * those hosts must succeed, and every run keeps the suite's invariants (journal resynchronisation,
 * README "When a journal or the store goes back in time").
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { backupSqlite, restoreSqlite } from '../support/sqlite-copy.ts';
import { lastAppliedSeq } from './evidence.ts';
import { checkRun, type Violation } from './invariants.ts';
import type { Rng } from './rng.ts';
import { CALM, runOnce, waitTerminal, type RunResult } from './run.ts';
import type { Revision, World } from './world.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A copy of the coordinator's store, taken while a deployment runs, and put back later. */
interface StoreCopy {
  take(): Promise<void>;
  /** The events the copy had applied for the run's hosts, summed. */
  applied(): Promise<number>;
  /** kill -9 of the coordinator(s), the copy put back, started again. */
  restore(): Promise<void>;
}

/** SQLite: an online backup of the one coordinator's file. */
function sqliteCopy(world: World, runId: string, ids: readonly string[]): StoreCopy {
  // Named as in a data directory, so the evidence readers can read the copy too.
  const copyDir = path.join(world.dir, `${runId}-store`);
  mkdirSync(copyDir);
  const copy = path.join(copyDir, 'coordinator.db');
  return {
    take: () => world.exclusive(() => backupSqlite(path.join(world.coordinator.dataDir, 'coordinator.db'), copy)),
    applied: async () => ids.reduce((n, id) => n + lastAppliedSeq(copyDir, id), 0),
    restore: () =>
      world.exclusive(async () => {
        await world.coordinator.kill9();
        restoreSqlite(copy, path.join(world.coordinator.dataDir, 'coordinator.db'));
        const port = await world.coordinator.start();
        for (const host of world.allHosts()) host.proxy.retarget(port);
      }),
  };
}

/** PostgreSQL (several coordinators): pg_dump while they write, pg_restore after killing them all. */
function postgresCopy(world: World, runId: string, ids: readonly string[]): StoreCopy {
  const file = path.join(world.dir, `${runId}-store.dump`);
  let appliedAtCopy = 0;
  return {
    take: async () => {
      await world.backupPgStore(file);
      // Read just after the snapshot: events applied in between make it a slight overcount.
      appliedAtCopy = await sumApplied(world, ids);
    },
    applied: async () => appliedAtCopy,
    restore: () => world.restorePgStore(file),
  };
}

async function sumApplied(world: World, ids: readonly string[]): Promise<number> {
  let n = 0;
  for (const id of ids) n += await world.appliedSeq(id);
  return n;
}

/**
 * Backs the coordinator's store up at a seeded moment of a deployment, lets the deployment end,
 * then restores the backup (kill -9 first, as a power cut or a restore would): the agents must
 * give the store what it lost, so the deployment ends again as it did, and the next one succeeds.
 * Several coordinators: the shared PostgreSQL store, dumped and restored, every coordinator killed.
 */
export async function runStoreRollback(world: World, revisions: Revision[], rng: Rng, runId: string): Promise<RunResult> {
  const group = await world.addGroup(runId, rng.pick(['CodeDeployDefault.AllAtOnce', 'CodeDeployDefault.OneAtATime'] as const), 2);
  const ids = group.hosts.map((h) => h.agent.instanceId);
  const copy = world.nodes > 1 ? postgresCopy(world, runId, ids) : sqliteCopy(world, runId, ids);
  const revision = revisions[0]!;
  const deploymentId = await world.deploy(group, revision);
  await sleep(rng.int(300, 2500));
  await copy.take();
  const ended = await waitTerminal(world, deploymentId, 150_000);
  // How far back the store goes: the events applied since the backup, summed over the hosts.
  const back = (await sumApplied(world, ids)) - (await copy.applied());
  await copy.restore();
  const violations: Violation[] = [];
  const again = await waitTerminal(world, deploymentId, 90_000);
  if (again !== ended) violations.push({ invariant: 'terminal', detail: `ended ${ended}; on the restored store it ended ${again}` });
  const deployment = await world.readDeployment(deploymentId);
  if (deployment) {
    const hosts = group.hosts.map((h) => ({ name: h.name, instanceId: h.agent.instanceId, root: h.agent.root, destRoot: h.agent.destRoot, before: new Map(), crashed: false }));
    violations.push(...checkRun(deploymentId, revision.tree, deployment, hosts));
  } else {
    violations.push({ invariant: 'terminal', detail: `deployment ${deploymentId} is missing from the restored store` });
  }
  const engine = world.nodes > 1 ? 'PostgreSQL store' : 'coordinator store';
  const faults = new Map([[`state rollback (${engine}, ${back === 0 ? 'no event' : back < 10 ? '1-9 events' : '10+ events'} back)`, 1]]);
  // Still running on the restored store: the next deployment would only be refused (409).
  if (!['Succeeded', 'Failed', 'Stopped'].includes(again)) return { runId, seed: rng.seed, deploymentId, status: again, faults, errorCodes: [], violations };
  const next = await runOnce(world, group, revisions[1]!, CALM, rng, `${runId}-next`);
  if (next.status !== 'Succeeded') violations.push({ invariant: 'terminal', detail: `the next deployment on the restored store ended ${next.status}` });
  violations.push(...next.violations);
  return { runId, seed: rng.seed, deploymentId, status: again, faults, errorCodes: next.errorCodes, violations };
}

/**
 * Copies a host's journal, deploys once more, then restores the copy (agent stopped, as an
 * operator restoring a backup would): the next deployment must succeed, its events neither
 * dropped as already applied nor applied twice.
 */
export async function runJournalRollback(world: World, revisions: Revision[], rng: Rng, runId: string): Promise<RunResult> {
  const group = await world.addGroup(runId, 'CodeDeployDefault.AllAtOnce', 1);
  const host = group.hosts[0]!;
  const journal = path.join(host.agent.root, 'agent.db');
  const copy = path.join(world.dir, `${runId}-journal.db`);
  const violations: Violation[] = [];
  const first = await runOnce(world, group, revisions[0]!, CALM, rng, runId);
  await backupSqlite(journal, copy);
  // One or two deployments the restored journal will not know of.
  const lost = rng.int(1, 2);
  for (let i = 0; i < lost; i++) violations.push(...(await runOnce(world, group, revisions[1 + i]!, CALM, rng, `${runId}-lost-${i + 1}`)).violations);
  await host.agent.stop();
  restoreSqlite(copy, journal);
  host.agent.start();
  await world.waitConnected(host);
  const after = await runOnce(world, group, revisions[0]!, CALM, rng, `${runId}-after`);
  if (after.status !== 'Succeeded') violations.push({ invariant: 'terminal', host: host.name, detail: `after the journal was restored the deployment ended ${after.status}` });
  violations.push(...first.violations, ...after.violations);
  return { ...after, runId, faults: new Map([[`state rollback (agent journal, ${lost} deployment(s) back)`, 1]]), violations };
}
