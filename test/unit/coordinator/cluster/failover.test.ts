import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import type { CommandBody, CoordBodies } from '../../../../protocol/src/index.ts';
import { ClusterNode } from '../../../../coordinator/src/cluster/node.ts';
import type { LocalSender } from '../../../../coordinator/src/cluster/router.ts';
import { Scheduler } from '../../../../coordinator/src/scheduler/index.ts';
import { openPostgresStore, type PostgresStore } from '../../../../coordinator/src/store/postgres/store.ts';
import { postgresMissing, ThrowawayPostgres } from '../../../support/postgres.ts';
import { skipForMissing } from '../../../support/requirements.ts';
import { applyEvent, ManualClock, outcome } from '../scheduler/seed.ts';

class Hub implements LocalSender {
  readonly connected = new Set<string>();
  readonly commands: { instanceId: string; command: CommandBody }[] = [];
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
  sendCancel(_id: string, _c: CoordBodies['coord.cancel']): boolean {
    return false;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('cluster: PostgreSQL itself fails and comes back', function () {
  this.timeout(60_000);
  let server: ThrowawayPostgres;
  const parts: { store: PostgresStore; node: ClusterNode }[] = [];

  before(async function () {
    const missing = postgresMissing();
    if (missing) skipForMissing(this, missing);
    // Committed must mean durable for this test (takeover trusts it): the test default's
    // asynchronous commit loses the last commits when the server is killed.
    server = await ThrowawayPostgres.start({ synchronous_commit: 'on' });
  });
  after(async () => {
    for (const p of parts.splice(0)) {
      await p.node.stop(false);
      await p.store.close();
    }
    await server?.stop();
  });

  async function coordinator(url: string, name: string): Promise<{ store: PostgresStore; hub: Hub; node: ClusterNode; scheduler: Scheduler }> {
    const store = await openPostgresStore(url, { max: 4 });
    const hub = new Hub();
    const clock = new ManualClock(Date.now());
    const node = new ClusterNode({ store, hub, clock, logger: silentLogger(), nodeId: `n-${name}`, name, timings: { leaseTtlMs: 60_000, presenceRefreshMs: 0 } });
    await node.register();
    const scheduler = new Scheduler({ store, clock, logger: silentLogger(), hub: node.router, ownership: node.ownership });
    node.start(scheduler);
    parts.push({ store, node });
    return { store, hub, node, scheduler };
  }

  it('keeps the coordinators running through the outage, and resumes the deployment once the database is back', async () => {
    const url = server.url(await server.createDatabase());
    const a = await coordinator(url, 'a');
    const b = await coordinator(url, 'b');
    const seedStore = a.store;
    const app = await seedStore.applications.insert({ name: 'shop', createdAt: 'x' });
    const group = await seedStore.groups.insert({ applicationId: app.applicationId, name: 'web', tagFilters: [{ type: 'KEY_AND_VALUE', key: 'env', value: 'prod' }], deploymentConfigName: 'CodeDeployDefault.OneAtATime', createdAt: 'x' });
    const revision = await seedStore.revisions.insert({ applicationId: app.applicationId, sha256: 'a'.repeat(64), size: 1, bundleType: 'tgz', createdAt: 'x' });
    for (const id of ['i-ONE0000001', 'i-TWO0000002']) {
      await seedStore.instances.insert({ instanceId: id, hostname: id, publicKey: 'k', tags: { env: 'prod' }, registeredAt: id });
      b.hub.connected.add(id);
    }
    for (const c of [a, b, a]) await c.node.tick();
    await a.scheduler.createDeployment({ applicationId: app.applicationId, deploymentGroupId: group.deploymentGroupId, revisionId: revision.revisionId, deploymentConfigName: 'CodeDeployDefault.OneAtATime', fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false, parameters: {}, creator: 't' });
    await until('the first command reached b', () => b.hub.commands.length === 1);

    await server.crash();
    await a.node.tick();
    await b.node.tick();
    assert.equal(a.node.status().storeOk, false, 'a tick without the database says so');
    await server.restart();
    await until('both coordinators reach the database again', async () => {
      await a.node.tick();
      await b.node.tick();
      return a.node.status().storeOk && b.node.status().storeOk;
    });

    // The outcome reaches b, which does not drive the deployment: a is woken (LISTEN reconnected) or looks on its own.
    const first = b.hub.commands[0]!;
    await until('b applies the outcome again once its pool reconnects', async () => {
      try {
        await applyEvent(b.store, b.scheduler, first.instanceId, outcome(first.command, 'Succeeded'));
        return true;
      } catch {
        // A connection the crash broke is dropped from the pool; the next attempt gets a new one.
        return false;
      }
    });
    await until('the second host got its command', async () => {
      await a.node.tick();
      await b.node.tick();
      return b.hub.commands.length === 2;
    });
    assert.notEqual(b.hub.commands[1]!.instanceId, first.instanceId);
  });
});
