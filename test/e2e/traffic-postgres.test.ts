import assert from 'node:assert/strict';
import path from 'node:path';
import { Cluster, type AgentProcess } from './cluster.ts';
import { makeTgz } from './bundles.ts';
import { appRevision, killApp, prepareHost, startHaproxy, startLoad, type Haproxy } from './traffic-support.ts';
import { postgresMissing, sharedPostgres } from '../support/postgres.ts';
import { requireTool, skipForMissing } from '../support/requirements.ts';

describe('traffic control with a coordinator on PostgreSQL (HAProxy, in place and blue/green)', function () {
  this.timeout(240_000);
  let cluster: Cluster | undefined;
  let haproxy: Haproxy | undefined;
  const agents: AgentProcess[] = [];
  const parameters = { NODE_BIN: process.execPath };

  before(async function () {
    requireTool(this, 'haproxy', 'haproxy', ['-v']);
    const missing = postgresMissing();
    if (missing) skipForMissing(this, missing);
    const server = await sharedPostgres();
    cluster = new Cluster({ coordinatorArgs: ['--store', server.url(await server.createDatabase()), '--node-name', 'traffic-pg'] });
    await cluster.start();
    const hosts = [];
    for (const fleet of ['a', 'a', 'b', 'b']) hosts.push(await cluster.registerHost({ role: 'web', fleet }));
    const ports: Record<string, number> = {};
    for (const [i, h] of hosts.entries()) ports[`host-${i + 1}`] = await prepareHost(h.root, `host-${i + 1}`);
    haproxy = await startHaproxy(path.join(cluster.dir, 'haproxy'), ports);
    for (const h of hosts) agents.push(await cluster.runAgent(h));
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster?.logs().slice(-30_000) ?? '');
    for (const a of agents) killApp(a.root);
    await haproxy?.stop();
    await cluster?.stop();
  });

  async function deploy(c: Cluster, group: string, version: string): Promise<any> {
    const rev = await c.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz(appRevision(version)));
    assert.equal(rev.status, 201, JSON.stringify(rev.body));
    const created = await c.api('POST', '/v1/deployments', { applicationName: 'shop', deploymentGroupName: group, revisionId: rev.body.revisionId, parameters });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return c.waitForDeployment(created.body.deploymentId, 120_000);
  }

  it('runs the 13 steps OneAtATime under steady load with 0 failed requests', async function () {
    const c = cluster as Cluster;
    const lb = haproxy as Haproxy;
    const group = await c.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }], deploymentConfigName: 'OneAtATime', autoDeployNewInstances: false,
      trafficControl: { provider: 'haproxy', socket: lb.socket, backend: 'web', serverTemplate: '{hostname}', healthIntervalSeconds: 0.5, healthyPasses: 2 },
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    assert.equal((await deploy(c, 'web', 'v1')).status, 'Succeeded');
    const load = startLoad(lb.port);
    await new Promise((r) => setTimeout(r, 500));
    const done = await deploy(c, 'web', 'v2');
    const report = await load.stop();
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation ?? done.targets, null, 1));
    assert.deepEqual(report.failures, [], `${report.failures.length} of ${report.sent} requests failed`);
    for (const t of done.targets) {
      assert.equal(t.lifecycleEvents.length, 13, t.lifecycleEvents.map((e: any) => e.lifecycleEventName).join(" "));
      assert.equal(t.balancer?.state, 'serving');
    }
  });

  it('swaps blue/green fleets under steady load with 0 failed requests', async function () {
    const c = cluster as Cluster;
    const lb = haproxy as Haproxy;
    const put = await c.api('PUT', '/v1/applications/shop/deployment-groups/web/traffic', {
      deploymentStyle: { deploymentType: 'BLUE_GREEN' },
      blueGreenDeploymentConfiguration: { greenFleetProvisioningOption: { action: 'DISCOVER_BY_TAGS', fleetTag: 'fleet' } },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const first = await deploy(c, 'web', 'v3');
    assert.equal(first.status, 'Succeeded', JSON.stringify(first.errorInformation ?? first.targets, null, 1));
    const load = startLoad(lb.port);
    await new Promise((r) => setTimeout(r, 500));
    const done = await deploy(c, 'web', 'v4');
    const report = await load.stop();
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation ?? done.targets, null, 1));
    assert.deepEqual(report.failures, [], `${report.failures.length} of ${report.sent} requests failed`);
    assert.notEqual(done.blueGreen.greenFleet, first.blueGreen.greenFleet, 'the fleets swapped roles');
  });
});
