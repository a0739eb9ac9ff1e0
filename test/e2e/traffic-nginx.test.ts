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
  const nginxControl = (extra: Record<string, unknown> = {}) => ({
    provider: 'nginx', upstreamFile: nginx.upstreamFile, reload: nginx.reload, pidFile: nginx.pidFile, serverTag: 'upstream', healthPath: '/health', healthIntervalSeconds: 0.5, healthyPasses: 2, ...extra,
  });

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
      trafficControl: nginxControl(),
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

  it('rewrites the upstream file through the agent of the host the group names (runOn), under steady load with 0 failed requests', async function () {
    // host-1's nginx, as its agent.yml describes it: the only file this agent may rewrite.
    const config = path.join(cluster.dir, 'agent-1-nginx.yml');
    writeFileSync(config, `nginx:\n  upstreamFiles: [${nginx.upstreamFile}]\n  reload: ${JSON.stringify(nginx.reload)}\n  pidFile: ${nginx.pidFile}\n`);
    const host1 = agents[0]!;
    await cluster.killAgent(host1, 'SIGTERM');
    agents[0] = await cluster.restartAgent(host1, ['--config', config]);
    const put = await cluster.api('PUT', '/v1/applications/shop/deployment-groups/web/traffic', { trafficControl: nginxControl({ runOn: 'host-1' }) });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const before = agentChanges(host1.root);
    const load = startLoad(nginx.port);
    await new Promise((r) => setTimeout(r, 500));
    const done = await deploy('v3');
    await new Promise((r) => setTimeout(r, 500));
    const report = await load.stop();
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation ?? done.targets, null, 1));
    assert.deepEqual(report.failures, [], `${report.failures.length} of ${report.sent} requests failed`);
    assert.ok(report.ok > 100, `only ${report.ok} requests answered`);
    // Every host, host-1 included, was marked down then up again by host-1's agent.
    const changes = agentChanges(host1.root).slice(before.length);
    assert.deepEqual(changes.map((c) => c.down), [true, false, true, false, true, false]);
    assert.ok(changes.every((c) => c.ok === true && c.upstreamFile === nginx.upstreamFile), JSON.stringify(changes));
    assert.doesNotMatch(readFileSync(nginx.upstreamFile, 'utf8'), /down/);
  });

  it('fails BlockTraffic with ELASTIC_LOAD_BALANCING_INVALID when the named host\'s agent drives no nginx, and touches nothing', async function () {
    const put = await cluster.api('PUT', '/v1/applications/shop/deployment-groups/web/traffic', { trafficControl: nginxControl({ runOn: 'host-2' }) });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const upstream = readFileSync(nginx.upstreamFile, 'utf8');
    const done = await deploy('v4');
    assert.equal(done.status, 'Failed');
    const failed = done.targets.find((t: any) => t.status === 'Failed');
    const block = failed.lifecycleEvents.find((e: any) => e.lifecycleEventName === 'BlockTraffic');
    assert.equal(block.status, 'Failed');
    assert.equal(block.diagnostics?.errorCode, 'ELASTIC_LOAD_BALANCING_INVALID', JSON.stringify(block));
    assert.match(block.diagnostics?.message ?? '', /nginx on host-2: this agent drives no nginx: list its upstream files under nginx\.upstreamFiles in agent\.yml/);
    assert.equal(failed.lifecycleEvents.find((e: any) => e.lifecycleEventName === 'ApplicationStop').status, 'Skipped');
    assert.equal(readFileSync(nginx.upstreamFile, 'utf8'), upstream);
  });
});

/** The upstream changes an agent made, from its log (one JSON object a line). */
function agentChanges(root: string): { upstreamFile: string; server: string; down: boolean; ok: boolean }[] {
  return readFileSync(path.join(root, 'logs', 'agent.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"nginx upstream change"'))
    .map((l) => JSON.parse(l));
}
