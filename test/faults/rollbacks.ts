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
import { lastAppliedSeq, readCoordinator } from './evidence.ts';
import { checkRun, type Violation } from './invariants.ts';
import type { Rng } from './rng.ts';
import { CALM, runOnce, waitTerminal, type RunResult } from './run.ts';
import type { Revision, World } from './world.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** kill -9 the coordinator, put `copy` in place of its store, start it again on the restored store. */
function restartOnCopy(world: World, copy: string): Promise<void> {
  return world.exclusive(async () => {
    await world.coordinator.kill9();
    restoreSqlite(copy, path.join(world.coordinator.dataDir, 'coordinator.db'));
    const port = await world.coordinator.start();
    for (const host of world.allHosts()) host.proxy.retarget(port);
  });
}

/**
 * Backs the coordinator's store up at a seeded moment of a deployment, lets the deployment end,
 * then restores the backup (kill -9 first, as a power cut or a restore would): the agents must
 * give the store what it lost, so the deployment ends again as it did, and the next one succeeds.
 */
export async function runStoreRollback(world: World, revisions: Revision[], rng: Rng, runId: string): Promise<RunResult> {
  const group = await world.addGroup(runId, rng.pick(['CodeDeployDefault.AllAtOnce', 'CodeDeployDefault.OneAtATime'] as const), 2);
  // Named as in a data directory, so the evidence readers can read the copy too.
  const copyDir = path.join(world.dir, `${runId}-store`);
  mkdirSync(copyDir);
  const copy = path.join(copyDir, 'coordinator.db');
  const revision = revisions[0]!;
  const deploymentId = await world.deploy(group, revision);
  await sleep(rng.int(300, 2500));
  await world.exclusive(() => backupSqlite(path.join(world.coordinator.dataDir, 'coordinator.db'), copy));
  const ended = await waitTerminal(world, deploymentId, 150_000);
  // How far back the store goes: the events applied since the backup, summed over the hosts.
  const applied = (dir: string): number => group.hosts.reduce((n, h) => n + lastAppliedSeq(dir, h.agent.instanceId), 0);
  const back = applied(world.coordinator.dataDir) - applied(copyDir);
  await restartOnCopy(world, copy);
  const violations: Violation[] = [];
  const again = await waitTerminal(world, deploymentId, 90_000);
  if (again !== ended) violations.push({ invariant: 'terminal', detail: `ended ${ended}; on the restored store it ended ${again}` });
  const deployment = readCoordinator(world.coordinator.dataDir, deploymentId);
  if (deployment) {
    const hosts = group.hosts.map((h) => ({ name: h.name, instanceId: h.agent.instanceId, root: h.agent.root, destRoot: h.agent.destRoot, before: new Map(), crashed: false }));
    violations.push(...checkRun(deploymentId, revision.tree, deployment, hosts));
  } else {
    violations.push({ invariant: 'terminal', detail: `deployment ${deploymentId} is missing from the restored store` });
  }
  const faults = new Map([[`state rollback (coordinator store, ${back === 0 ? 'no event' : back < 10 ? '1-9 events' : '10+ events'} back)`, 1]]);
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
