import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { serversOf } from '../../common/src/nginx-upstream.ts';
import { Cluster, type AgentProcess } from './cluster.ts';
import { makeTgz } from './bundles.ts';
import { appRevision, killApp, prepareHost, startLoad, startNginx, type Nginx } from './traffic-support.ts';
import { requireTool } from '../support/requirements.ts';

describe('blue/green with nginx (two fleets by tag, upstream file, graceful reload)', function () {
  this.timeout(240_000);
  const cluster = new Cluster();
  let nginx: Nginx;
  const agents: AgentProcess[] = [];
  /** Each host's upstream address by its fleet. */
  const addresses: Record<string, string[]> = { a: [], b: [] };
  const parameters = { NODE_BIN: process.execPath };

  before(async function () {
    requireTool(this, 'nginx', 'nginx', ['-v']);
    await cluster.start();
    const hosts = [];
    const fleets = ['a', 'a', 'b', 'b'];
    for (const fleet of fleets) hosts.push(await cluster.registerHost({ role: 'web', fleet }));
    const ports: Record<string, number> = {};
    for (const [i, h] of hosts.entries()) ports[`host-${i + 1}`] = await prepareHost(h.root, `host-${i + 1}`);
    nginx = await startNginx(path.join(cluster.dir, 'nginx'), ports);
    for (const [i, h] of hosts.entries()) {
      agents.push(await cluster.runAgent(h));
      const address = `127.0.0.1:${ports[`host-${i + 1}`]}`;
      addresses[fleets[i] ?? '?']?.push(address);
      await cluster.api('POST', `/v1/instances/${h.instanceId}/tags`, { tags: { upstream: address } });
    }
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web',
      tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
      deploymentConfigName: 'AllAtOnce',
      autoDeployNewInstances: false,
      trafficControl: { provider: 'nginx', upstreamFile: nginx.upstreamFile, reload: nginx.reload, pidFile: nginx.pidFile, serverTag: 'upstream', healthPath: '/health', healthIntervalSeconds: 0.5, healthyPasses: 2 },
      deploymentStyle: { deploymentType: 'BLUE_GREEN' },
      blueGreenDeploymentConfiguration: { greenFleetProvisioningOption: { action: 'DISCOVER_BY_TAGS', fleetTag: 'fleet' } },
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-40_000));
    for (const a of agents) killApp(a.root);
    await nginx?.stop();
    await cluster.stop();
  });

  async function deploy(version: string): Promise<any> {
    const rev = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz(appRevision(version)));
    assert.equal(rev.status, 201, JSON.stringify(rev.body));
    const created = await cluster.api('POST', '/v1/deployments', { applicationName: 'shop', deploymentGroupName: 'web', revisionId: rev.body.revisionId, parameters });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return cluster.waitForDeployment(created.body.deploymentId, 120_000);
  }

  /** The servers of each fleet marked down in the upstream file, e.g. { a: [true, true], b: [false, false] }. */
  function downByFleet(): Record<string, boolean[]> {
    const servers = serversOf(readFileSync(nginx.upstreamFile, 'utf8'));
    return Object.fromEntries(Object.entries(addresses).map(([fleet, list]) => [fleet, list.map((a) => servers.get(a)?.down ?? false)]));
  }

  it('first deployment: installs on the green fleet, puts it in and marks the other fleet down', async function () {
    const done = await deploy('v1');
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation ?? done.targets, null, 1));
    assert.deepEqual({ blue: done.blueGreen.blueFleet, green: done.blueGreen.greenFleet }, { blue: 'a', green: 'b' });
    assert.deepEqual(downByFleet(), { a: [true, true], b: [false, false] });
  });

  it('swaps the fleets under steady load with 0 failed requests', async function () {
    const load = startLoad(nginx.port);
    await new Promise((r) => setTimeout(r, 500));
    const done = await deploy('v2');
    await new Promise((r) => setTimeout(r, 500));
    const report = await load.stop();
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation ?? done.targets, null, 1));
    assert.deepEqual(report.failures, [], `${report.failures.length} of ${report.sent} requests failed`);
    assert.ok(report.ok > 100, `only ${report.ok} requests answered`);
    assert.deepEqual([...new Set([...report.byBody.keys()].map((b) => b.split(' ')[1]))].sort(), ['v1', 'v2']);
    assert.deepEqual(downByFleet(), { a: [false, false], b: [true, true] });
    assert.equal((await cluster.api('GET', '/v1/applications/shop/deployment-groups/web')).body.liveFleet, 'a');
  });
});
