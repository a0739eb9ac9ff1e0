import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import type { CommandBody, CoordBodies } from '../../../../protocol/src/index.ts';
import { ClusterNode } from '../../../../coordinator/src/cluster/node.ts';
import type { LocalSender } from '../../../../coordinator/src/cluster/router.ts';
import { Scheduler, type NewDeployment } from '../../../../coordinator/src/scheduler/index.ts';
import { openPostgresStore, type PostgresStore } from '../../../../coordinator/src/store/postgres/store.ts';
import { postgresMissing } from '../../../support/postgres.ts';
import { skipForMissing } from '../../../support/requirements.ts';
import { applyEvent, ManualClock, outcome, seed, type Seeded } from '../scheduler/seed.ts';
import { openTestStore, type TestStore } from '../store/harness.ts';

/** The agents connected to one coordinator, and what it sent them. */
class FakeHub implements LocalSender {
  readonly connected = new Set<string>();
  readonly commands: { instanceId: string; command: CommandBody }[] = [];
  readonly cancels: { instanceId: string; cancel: CoordBodies['coord.cancel'] }[] = [];
  isConnected(id: string): boolean {
    return this.connected.has(id);
  }
  connectedInstances(): string[] {
    return [...this.connected];
  }
  sendCommand(instanceId: string, command: CommandBody): boolean {
    if (!this.connected.has(instanceId)) return false;
    this.commands.push({ instanceId, command });
    return true;
  }
  sendCancel(instanceId: string, cancel: CoordBodies['coord.cancel']): boolean {
    if (!this.connected.has(instanceId)) return false;
    this.cancels.push({ instanceId, cancel });
    return true;
  }
}

interface Coordinator {
  store: PostgresStore;
  hub: FakeHub;
  node: ClusterNode;
  scheduler: Scheduler;
}

const LEASE_MS = 400;

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('cluster: several coordinators on one PostgreSQL store', function () {
  let db: TestStore;
  let a: Coordinator;
  let b: Coordinator;
  const all: Coordinator[] = [];

  async function coordinator(name: string): Promise<Coordinator> {
    const store = await openPostgresStore(db.url!, { max: 4 });
    const hub = new FakeHub();
    const clock = new ManualClock(Date.now());
    // Timers of the manual clock never fire: each test ticks by hand.
    const node = new ClusterNode({ store, hub, clock, logger: silentLogger(), nodeId: `n-${name}`, name, timings: { leaseTtlMs: LEASE_MS, presenceRefreshMs: 0 } });
    await node.register();
    const scheduler = new Scheduler({ store, clock, logger: silentLogger(), hub: node.router, ownership: node.ownership });
    node.start(scheduler);
    const c = { store, hub, node, scheduler };
    all.push(c);
    return c;
  }

  before(function () {
    const missing = postgresMissing();
    if (missing) skipForMissing(this, missing);
  });
  beforeEach(async () => {
    db = await openTestStore('postgres');
    a = await coordinator('a');
    b = await coordinator('b');
  });
  afterEach(async () => {
    for (const c of all.splice(0)) {
      await c.node.stop(false);
      await c.store.close();
    }
    await db.cleanup();
  });

  function input(s: Seeded, config: string): NewDeployment {
    return {
      applicationId: s.applicationId,
      deploymentGroupId: s.deploymentGroupId,
      revisionId: s.revisionId,
      deploymentConfigName: config,
      fileExistsBehavior: 'DISALLOW',
      ignoreApplicationStopFailures: false,
      parameters: {},
      creator: 'test',
    };
  }

  /** Hosts connected to `to`, known to every coordinator after a tick of each. */
  async function connect(to: Coordinator, ids: readonly string[]): Promise<void> {
    for (const id of ids) to.hub.connected.add(id);
    for (const c of all) await c.node.tick();
    for (const c of all) await c.node.tick();
  }

  async function leaseOf(id: string): Promise<{ node_id: string; epoch: number } | undefined> {
    return (await db.get('SELECT node_id, epoch FROM deployment_leases WHERE deployment_id = ?', id)) as { node_id: string; epoch: number } | undefined;
  }

  it('drives a deployment created on it, and the other coordinator leaves it alone', async () => {
    const s = await seed(db, 2);
    await connect(a, s.instanceIds);
    const id = await a.scheduler.createDeployment(input(s, 'CodeDeployDefault.AllAtOnce'));
    await b.node.tick();
    assert.deepEqual(a.node.ownership.owned(), [id]);
    assert.deepEqual(b.node.ownership.owned(), []);
    assert.deepEqual(await leaseOf(id), { node_id: 'n-a', epoch: 1 });
    assert.equal(a.hub.commands.length, 2);
  });

  it('sends a command for a host connected to the other coordinator through the store', async () => {
    const s = await seed(db, 1);
    await connect(b, s.instanceIds);
    await a.scheduler.createDeployment(input(s, 'CodeDeployDefault.AllAtOnce'));
    await until('the command reached the agent on b', () => b.hub.commands.length === 1);
    assert.equal(a.hub.commands.length, 0);
    assert.equal((await db.get('SELECT COUNT(*) AS n FROM node_messages') as { n: number }).n, 0);
  });

  it('moves on when an outcome reaches the coordinator that does not drive the deployment', async () => {
    const s = await seed(db, 2);
    await connect(b, s.instanceIds);
    const id = await a.scheduler.createDeployment(input(s, 'CodeDeployDefault.OneAtATime'));
    await until('the first command reached b', () => b.hub.commands.length === 1);
    const first = b.hub.commands[0]!;
    await applyEvent(b.store, b.scheduler, first.instanceId, outcome(first.command, 'Succeeded'));
    await until('the second command reached b', () => b.hub.commands.length === 2);
    assert.deepEqual(b.node.ownership.owned(), []);
    assert.equal((await leaseOf(id))?.node_id, 'n-a');
  });

  it('takes over a deployment whose coordinator went silent and sends its unacknowledged commands again', async () => {
    const s = await seed(db, 2);
    await connect(b, s.instanceIds);
    const id = await a.scheduler.createDeployment(input(s, 'CodeDeployDefault.AllAtOnce'));
    await until('both commands reached b', () => b.hub.commands.length === 2);
    await a.node.stop(false); // a dies: it renews nothing from now on
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 100));
    await b.node.tick();
    assert.deepEqual(b.node.ownership.owned(), [id]);
    assert.deepEqual(await leaseOf(id), { node_id: 'n-b', epoch: 2 });
    const sent = b.hub.commands.map((c) => c.command.commandId);
    assert.deepEqual(sent.slice(2).sort(), sent.slice(0, 2).sort(), 'the same commands, sent again');
  });

  it('writes nothing for a deployment whose lease it lost, and gives it up', async () => {
    const s = await seed(db, 1);
    await connect(a, s.instanceIds);
    const id = await a.scheduler.createDeployment(input(s, 'CodeDeployDefault.AllAtOnce'));
    await b.scheduler.pauseDeployment(id, 'operator'); // an operator's action on b takes the deployment over
    // a still thinks it drives the deployment, and a host's deadline has passed.
    await db.run(`UPDATE deployment_targets SET deadline_at = '2000-01-01T00:00:00.000Z' WHERE deployment_id = ?`, id);
    const before = await db.all('SELECT * FROM deployment_targets WHERE deployment_id = ?', id);
    await assert.rejects(a.scheduler.expireDeadlines(), /lost its lease/);
    assert.deepEqual(await db.all('SELECT * FROM deployment_targets WHERE deployment_id = ?', id), before);
    assert.deepEqual(a.node.ownership.owned(), []);
    assert.deepEqual(await leaseOf(id), { node_id: 'n-b', epoch: 2 });
  });

  it('sends each host one command when decisions about one deployment race (a restarted host is never made)', async () => {
    const s = await seed(db, 4);
    await connect(a, s.instanceIds);
    const id = await a.scheduler.createDeployment(input(s, 'CodeDeployDefault.OneAtATime'));
    for (let round = 0; round < 3; round++) {
      const last = a.hub.commands.at(-1)!;
      // The outcome reaches b, which does not drive the deployment: a decides what follows, three times at once.
      await applyEvent(b.store, b.scheduler, last.instanceId, outcome(last.command, 'Succeeded'));
      await Promise.all([a.scheduler.reconcile(id), a.scheduler.reconcile(id), a.scheduler.reconcile(id)]);
      await until('the next command went out', () => a.hub.commands.length >= round + 2);
    }
    const perHost = new Map<string, Set<string>>();
    for (const c of a.hub.commands) perHost.set(c.instanceId, (perHost.get(c.instanceId) ?? new Set()).add(c.command.commandId));
    assert.deepEqual([...perHost.values()].map((ids) => ids.size), [1, 1, 1, 1]);
  });

  it('releases its leases on an orderly stop, so the other coordinator takes over on its next tick', async () => {
    const s = await seed(db, 1);
    await connect(b, s.instanceIds);
    const id = await a.scheduler.createDeployment(input(s, 'CodeDeployDefault.AllAtOnce'));
    await a.node.stop(true);
    await b.node.tick();
    assert.deepEqual(b.node.ownership.owned(), [id]);
  });

  it('counts an agent connected to one coordinator as connected for the other, and offline once it left', async () => {
    await seed(db, 0);
    await connect(b, ['i-SOMEHOST']);
    assert.equal(a.node.presence.isConnected('i-SOMEHOST'), true);
    b.hub.connected.delete('i-SOMEHOST');
    await b.node.tick();
    await a.node.tick();
    assert.equal(a.node.presence.isConnected('i-SOMEHOST'), false);
  });
});
