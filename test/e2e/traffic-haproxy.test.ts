import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, type AgentProcess } from './cluster.ts';
import { makeTgz } from './bundles.ts';
import { appRevision, killApp, prepareHost, startHaproxy, startLoad, type Haproxy } from './traffic-support.ts';
import { requireTool } from '../support/requirements.ts';

/** HAProxy's SRV_ADMF_FDRAIN bit of srv_admin_state (show servers state). */
const FORCED_DRAIN = 0x08;

describe('traffic control with HAProxy (in place, OneAtATime)', function () {
  this.timeout(180_000);
  const cluster = new Cluster();
  let haproxy: Haproxy;
  const agents: AgentProcess[] = [];
  let parameters: Record<string, string>;

  before(async function () {
    requireTool(this, 'haproxy', 'haproxy', ['-v']);
    await cluster.start();
    const hosts = [];
    for (let i = 0; i < 3; i++) hosts.push(await cluster.registerHost({ role: 'web' }));
    const ports: Record<string, number> = {};
    for (const [i, h] of hosts.entries()) ports[`host-${i + 1}`] = await prepareHost(h.root, `host-${i + 1}`);
    haproxy = await startHaproxy(path.join(cluster.dir, 'haproxy'), ports);
    for (const h of hosts) agents.push(await cluster.runAgent(h));
    parameters = { NODE_BIN: process.execPath, HAPROXY_SOCKET: haproxy.socket };
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web',
      tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
      trafficControl: { provider: 'haproxy', socket: haproxy.socket, backend: 'web', serverTemplate: '{hostname}', healthIntervalSeconds: 0.5, healthyPasses: 2 },
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    assert.equal(group.body.trafficControl.provider, 'haproxy');
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-30_000));
    for (const a of agents) killApp(a.root);
    await haproxy?.stop();
    await cluster.stop();
  });

  async function deploy(version: string): Promise<any> {
    const bundle = await makeTgz(appRevision(version));
    const rev = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', bundle);
    assert.equal(rev.status, 201, JSON.stringify(rev.body));
    const created = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId: rev.body.revisionId, parameters, deploymentConfigName: 'OneAtATime',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return cluster.waitForDeployment(created.body.deploymentId, 120_000);
  }

  it('runs CodeDeploy\'s 13 steps per host, BlockTraffic and AllowTraffic through HAProxy', async function () {
    const done = await deploy('v1');
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation ?? done.targets.map((t: any) => t.lifecycleEvents), null, 1));
    for (const t of done.targets) {
      assert.deepEqual(t.lifecycleEvents.map((e: any) => e.lifecycleEventName), [
        'BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install',
        'AfterInstall', 'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic',
      ]);
      assert.equal(t.lifecycleEvents.find((e: any) => e.lifecycleEventName === 'AllowTraffic').status, 'Succeeded');
      assert.equal(t.balancer?.state, 'serving');
    }
    assert.deepEqual([...(await haproxy.statuses()).values()], ['UP', 'UP', 'UP']);
  });

  it('shows each host on the balancer in deckhand status and groups traffic, and refuses a socket it cannot reach', async function () {
    const list = await cluster.api('GET', '/v1/deployments?application=shop');
    const last = list.body.deployments[0].deploymentId as string;
    const status = await cluster.cli(['status', last]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /HOST\s+FLEET\s+BALANCER\s+DETAIL/);
    assert.match(status.stdout, /host-1\s+serving\s+host-1 passed 2 health check\(s\) in a row/);
    const traffic = await cluster.cli(['groups', 'traffic', '--application', 'shop', '--name', 'web']);
    assert.equal(traffic.code, 0, traffic.stderr);
    assert.match(traffic.stdout, /web: traffic control by haproxy, IN_PLACE/);
    assert.match(traffic.stdout, /host-2\s+i-\S+\s+serving\s+serving \(UP\)/);
    const bad = await cluster.cli(['groups', 'update', '--application', 'shop', '--name', 'web', '--traffic', `haproxy,socket=${cluster.dir}/nope.sock,backend=web,serverTemplate={hostname}`]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /cannot reach HAProxy's runtime API at .*nope\.sock: ENOENT/);
    const kept = await cluster.api('GET', '/v1/applications/shop/deployment-groups/web');
    assert.equal(kept.body.trafficControl.socket, haproxy.socket);
  });

  it('deploys again under steady load with 0 failed requests, each host drained while its ApplicationStop runs', async function () {
    const load = startLoad(haproxy.port);
    await new Promise((r) => setTimeout(r, 500));
    const done = await deploy('v2');
    await new Promise((r) => setTimeout(r, 500));
    const report = await load.stop();
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation));
    assert.deepEqual(report.failures, [], `${report.failures.length} of ${report.sent} requests failed`);
    assert.ok(report.ok > 100, `only ${report.ok} requests answered`);
    for (const a of agents) {
      const lines = readFileSync(path.join(a.root, 'stop-states.log'), 'utf8').trim().split('\n').filter((l) => l.includes(done.deploymentId));
      assert.equal(lines.length, 1, `host of ${a.root} recorded no state during ApplicationStop`);
      const adminState = Number((lines[0] ?? '').split(' ')[2 + 6]);
      assert.ok((adminState & FORCED_DRAIN) !== 0, `not drained during ApplicationStop: ${lines[0]}`);
    }
    const versions = [...report.byBody.keys()].map((b) => b.split(' ')[1]);
    assert.ok(versions.includes('v1') && versions.includes('v2'), `answers came from ${[...report.byBody.keys()].join(', ')}`);
  });

  it('leaves a host whose deployment failed out of the balancer, or puts it back when the group says so', async function () {
    const failing = (version: string) => makeTgz(appRevision(version, { validate: '#!/bin/bash\necho "not valid" >&2\nexit 1\n' }));
    const run = async (version: string): Promise<any> => {
      const rev = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await failing(version));
      const created = await cluster.api('POST', '/v1/deployments', { applicationName: 'shop', deploymentGroupName: 'web', revisionId: rev.body.revisionId, parameters, deploymentConfigName: 'OneAtATime' });
      return cluster.waitForDeployment(created.body.deploymentId, 120_000);
    };
    const first = await run('bad-1');
    assert.equal(first.status, 'Failed');
    const failed = first.targets.find((t: any) => t.status === 'Failed');
    assert.equal(failed.balancer.state, 'out');
    assert.equal((await haproxy.adminStates()).find((x) => x.server === failed.hostname)?.drained, true);
    const put = await cluster.api('PUT', '/v1/applications/shop/deployment-groups/web/traffic', {
      trafficControl: { provider: 'haproxy', socket: haproxy.socket, backend: 'web', serverTemplate: '{hostname}', healthIntervalSeconds: 0.5, healthyPasses: 2, keepFailedHostsOut: false },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const second = await run('bad-2');
    assert.equal(second.status, 'Failed');
    const again = second.targets.find((t: any) => t.status === 'Failed');
    // The failed host started its (invalid) server: once it passes HAProxy's checks it is back in.
    const back = await cluster.waitForView(second.deploymentId, 'to put the failed host back', (v) => v.targets.find((t: any) => t.instanceId === again.instanceId)?.balancer?.state === 'serving', 30_000);
    assert.ok(back);
    assert.equal((await haproxy.statuses()).get(again.hostname), 'UP');
  });
});
