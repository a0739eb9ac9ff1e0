import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, type AgentProcess } from './cluster.ts';
import { makeTgz } from './bundles.ts';
import { appRevision, killApp, prepareHost, startLoad, startNginx, type Nginx } from './traffic-support.ts';
import { requireTool } from '../support/requirements.ts';

describe('traffic control with nginx (upstream file, graceful reload)', function () {
  this.timeout(180_000);
  const cluster = new Cluster();
  let nginx: Nginx;
  const agents: AgentProcess[] = [];
  const parameters = { NODE_BIN: process.execPath };

  before(async function () {
    requireTool(this, 'nginx', 'nginx', ['-v']);
    await cluster.start();
    const hosts = [];
    for (let i = 0; i < 3; i++) hosts.push(await cluster.registerHost({ role: 'web' }));
    const ports: Record<string, number> = {};
    for (const [i, h] of hosts.entries()) ports[`host-${i + 1}`] = await prepareHost(h.root, `host-${i + 1}`);
    nginx = await startNginx(path.join(cluster.dir, 'nginx'), ports);
    for (const [i, h] of hosts.entries()) {
      agents.push(await cluster.runAgent(h));
      // Each host's server line in the upstream file: its address, from a host tag.
      await cluster.api('POST', `/v1/instances/${h.instanceId}/tags`, { tags: { upstream: `127.0.0.1:${ports[`host-${i + 1}`]}` } });
    }
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web',
      tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
      autoDeployNewInstances: false,
      trafficControl: { provider: 'nginx', upstreamFile: nginx.upstreamFile, reload: nginx.reload, pidFile: nginx.pidFile, serverTag: 'upstream', healthPath: '/health', healthIntervalSeconds: 0.5, healthyPasses: 2 },
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-30_000));
    for (const a of agents) killApp(a.root);
    await nginx?.stop();
    await cluster.stop();
  });

  async function deploy(version: string): Promise<any> {
    const rev = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz(appRevision(version)));
    assert.equal(rev.status, 201, JSON.stringify(rev.body));
    const created = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId: rev.body.revisionId, parameters, deploymentConfigName: 'OneAtATime',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return cluster.waitForDeployment(created.body.deploymentId, 120_000);
  }

  it('marks each host down in the upstream file while it changes, with 0 failed requests under steady load', async function () {
    const first = await deploy('v1');
    assert.equal(first.status, 'Succeeded', JSON.stringify(first.errorInformation ?? first.targets, null, 1));
    assert.doesNotMatch(readFileSync(nginx.upstreamFile, 'utf8'), /down/);
    const load = startLoad(nginx.port);
    await new Promise((r) => setTimeout(r, 500));
    const done = await deploy('v2');
    await new Promise((r) => setTimeout(r, 500));
    const report = await load.stop();
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation));
    assert.deepEqual(report.failures, [], `${report.failures.length} of ${report.sent} requests failed`);
    assert.ok(report.ok > 100, `only ${report.ok} requests answered`);
    assert.doesNotMatch(readFileSync(nginx.upstreamFile, 'utf8'), /down/, 'every host is back in');
    for (const t of done.targets) assert.equal(t.balancer?.state, 'serving');
  });

  it('refuses a group whose upstream file lacks a host, naming the host, and stores nothing', async function () {
    writeFileSync(path.join(cluster.dir, 'empty-upstream.conf'), 'upstream app {\n}\n');
    const res = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web2',
      tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
      trafficControl: { provider: 'nginx', upstreamFile: path.join(cluster.dir, 'empty-upstream.conf'), serverTag: 'upstream' },
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /has no "server 127\.0\.0\.1:\d+" line \(host host-\d\)/);
    assert.equal((await cluster.api('GET', '/v1/applications/shop/deployment-groups/web2')).status, 404);
  });
});
