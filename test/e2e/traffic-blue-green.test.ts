import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Cluster, waitFor, type AgentProcess } from './cluster.ts';
import { makeTgz } from './bundles.ts';
import { appRevision, killApp, prepareHost, startHaproxy, startLoad, type Haproxy } from './traffic-support.ts';
import { requireTool } from '../support/requirements.ts';

const FAIL_VALIDATE = '#!/bin/bash\necho "the new version does not validate" >&2\nexit 1\n';

describe('blue/green with HAProxy (two fleets by tag, traffic moved, moved back)', function () {
  this.timeout(240_000);
  const cluster = new Cluster();
  let haproxy: Haproxy;
  const agents: AgentProcess[] = [];
  let parameters: Record<string, string>;
  const fleetOf = new Map<string, string>();
  const deployments: string[] = [];
  /** The webhook messages received: {type, data}. */
  const received: { type: string; data: { deploymentId: string; instanceId?: string } }[] = [];
  let receiver: http.Server;

  const blueGreen = (extra: Record<string, unknown> = {}) => ({
    greenFleetProvisioningOption: { action: 'DISCOVER_BY_TAGS', fleetTag: 'fleet' },
    terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 0 },
    ...extra,
  });

  before(async function () {
    requireTool(this, 'haproxy', 'haproxy', ['-v']);
    await cluster.start();
    const hosts = [];
    for (const fleet of ['a', 'a', 'b', 'b']) {
      const h = await cluster.registerHost({ role: 'web', fleet });
      fleetOf.set(h.instanceId, fleet);
      hosts.push(h);
    }
    const ports: Record<string, number> = {};
    for (const [i, h] of hosts.entries()) ports[`host-${i + 1}`] = await prepareHost(h.root, `host-${i + 1}`);
    haproxy = await startHaproxy(path.join(cluster.dir, 'haproxy'), ports);
    for (const h of hosts) agents.push(await cluster.runAgent(h));
    parameters = { NODE_BIN: process.execPath };
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web',
      tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
      deploymentConfigName: 'AllAtOnce',
      autoDeployNewInstances: false,
      trafficControl: { provider: 'haproxy', socket: haproxy.socket, backend: 'web', serverTemplate: '{hostname}', healthIntervalSeconds: 0.5, healthyPasses: 2 },
      deploymentStyle: { deploymentType: 'BLUE_GREEN' },
      blueGreenDeploymentConfiguration: blueGreen(),
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const hook = await cluster.api('POST', '/v1/applications/shop/deployment-groups/web/webhooks', { name: 'rx', url });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
  });

  after(async function () {
    receiver?.close();
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-40_000));
    for (const a of agents) killApp(a.root);
    await haproxy?.stop();
    await cluster.stop();
  });

  async function start(files: Record<string, string>): Promise<string> {
    const rev = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz(files));
    assert.equal(rev.status, 201, JSON.stringify(rev.body));
    const created = await cluster.api('POST', '/v1/deployments', { applicationName: 'shop', deploymentGroupName: 'web', revisionId: rev.body.revisionId, parameters });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    deployments.push(created.body.deploymentId);
    return created.body.deploymentId as string;
  }

  /** HAProxy's status of each fleet's servers, e.g. { a: ['UP', 'UP'], b: ['DRAIN', 'DRAIN'] }. */
  async function fleetStatuses(): Promise<Record<string, string[]>> {
    const statuses = await haproxy.statuses();
    const out: Record<string, string[]> = { a: [], b: [] };
    for (const [i, a] of agents.entries()) out[fleetOf.get(a.instanceId) ?? '?']?.push(statuses.get(`host-${i + 1}`) ?? '?');
    return out;
  }

  async function setGroup(extra: Record<string, unknown>): Promise<void> {
    const res = await cluster.api('PUT', '/v1/applications/shop/deployment-groups/web/traffic', {
      trafficControl: { provider: 'haproxy', socket: haproxy.socket, backend: 'web', serverTemplate: '{hostname}', healthIntervalSeconds: 0.5, healthyPasses: 2 },
      deploymentStyle: { deploymentType: 'BLUE_GREEN' },
      blueGreenDeploymentConfiguration: blueGreen(extra),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  it('first deployment: installs on the green fleet, moves traffic to it, blocks blue; the fleets swap roles', async function () {
    const done = await cluster.waitForDeployment(await start(appRevision('v1')), 120_000);
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation ?? done.targets, null, 1));
    assert.equal(done.deploymentType, 'BLUE_GREEN');
    assert.deepEqual({ blue: done.blueGreen.blueFleet, green: done.blueGreen.greenFleet, moved: done.blueGreen.trafficMoved }, { blue: 'a', green: 'b', moved: true });
    const green = done.targets.filter((t: any) => t.instanceLabel === 'Green');
    const blue = done.targets.filter((t: any) => t.instanceLabel === 'Blue');
    assert.equal(green.length, 2);
    for (const t of green) assert.deepEqual(t.lifecycleEvents.map((e: any) => e.lifecycleEventName).slice(-3), ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic']);
    for (const t of blue) assert.deepEqual(t.lifecycleEvents.map((e: any) => e.lifecycleEventName), ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic']);
    // Fleet a never ran the app: drained, and its health checks fail too.
    const statuses = await fleetStatuses();
    assert.deepEqual(statuses.b, ['UP', 'UP']);
    assert.ok(statuses.a?.every((s) => s === 'DRAIN' || s === 'DOWN'), JSON.stringify(statuses));
    assert.deepEqual((await haproxy.adminStates()).filter((x) => fleetOf.get(agents[Number(x.server.slice(5)) - 1]?.instanceId ?? '') === 'a').map((x) => x.drained), [true, true]);
    assert.equal((await cluster.api('GET', '/v1/applications/shop/deployment-groups/web')).body.liveFleet, 'b');
  });

  it('moves traffic to the other fleet in two steps (a canary first) with 0 failed requests under steady load', async function () {
    await setGroup({ trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 50, canaryIntervalSeconds: 2 } } });
    const load = startLoad(haproxy.port);
    await new Promise((r) => setTimeout(r, 500));
    const id = await start(appRevision('v2'));
    const canary = await cluster.waitForView(id, 'to reach its canary step', (v) => v.blueGreen?.phase === 'switch' && v.blueGreen.step === 1 && v.blueGreen.until !== undefined, 60_000);
    assert.equal(canary.blueGreen.steps, 2);
    const mid = await fleetStatuses();
    assert.deepEqual([mid.a?.filter((s) => s === 'UP').length, mid.b?.filter((s) => s === 'UP').length], [1, 1], `halfway: ${JSON.stringify(mid)}`);
    const done = await cluster.waitForDeployment(id, 120_000);
    await new Promise((r) => setTimeout(r, 500));
    const report = await load.stop();
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation));
    assert.deepEqual(report.failures, [], `${report.failures.length} of ${report.sent} requests failed`);
    const versions = new Set([...report.byBody.keys()].map((b) => b.split(' ')[1]));
    assert.deepEqual([...versions].sort(), ['v1', 'v2']);
    assert.deepEqual(await fleetStatuses(), { a: ['UP', 'UP'], b: ['DRAIN', 'DRAIN'] });
    assert.equal((await cluster.api('GET', '/v1/applications/shop/deployment-groups/web')).body.liveFleet, 'a');
  });

  it('a green fleet that fails ValidateService never gets traffic: blue keeps serving, 0 failed requests', async function () {
    await setGroup({});
    const load = startLoad(haproxy.port);
    const done = await cluster.waitForDeployment(await start(appRevision('v3', { validate: FAIL_VALIDATE })), 120_000);
    const report = await load.stop();
    assert.equal(done.status, 'Failed');
    assert.equal(done.errorInformation.code, 'HEALTH_CONSTRAINTS');
    assert.match(done.errorInformation.message, /Traffic never moved/);
    assert.equal(done.blueGreen.trafficMoved, false);
    assert.deepEqual(report.failures, [], `${report.failures.length} of ${report.sent} requests failed`);
    assert.deepEqual([...new Set([...report.byBody.keys()].map((b) => b.split(' ')[1]))], ['v2']);
    assert.deepEqual((await fleetStatuses()).a, ['UP', 'UP']);
    for (const t of done.targets.filter((x: any) => x.instanceLabel === 'Green')) {
      assert.equal(t.lifecycleEvents.find((e: any) => e.lifecycleEventName === 'AllowTraffic').status, 'Skipped');
    }
    assert.equal((await cluster.api('GET', '/v1/applications/shop/deployment-groups/web')).body.liveFleet, 'a');
  });

  it('moves traffic back to blue when the replacement hosts turn unhealthy during the termination wait', async function () {
    await setGroup({ terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 1 } });
    const id = await start(appRevision('v4'));
    const waiting = await cluster.waitForView(id, 'to wait after moving traffic', (v) => v.blueGreen?.phase === 'wait', 120_000);
    assert.deepEqual(await fleetStatuses(), { a: ['DRAIN', 'DRAIN'], b: ['UP', 'UP'] });
    for (const t of waiting.targets.filter((x: any) => x.instanceLabel === 'Green')) {
      const agent = agents.find((a) => a.instanceId === t.instanceId);
      writeFileSync(path.join(agent?.root ?? '', 'unhealthy'), '');
    }
    const done = await cluster.waitForDeployment(id, 60_000);
    assert.equal(done.status, 'Failed');
    assert.equal(done.errorInformation.code, 'CUSTOMER_APPLICATION_UNHEALTHY');
    assert.match(done.errorInformation.message, /traffic moved back to the original hosts/);
    const after = await fleetStatuses();
    assert.deepEqual(after.a, ['UP', 'UP']);
    assert.ok(after.b?.every((s) => s.startsWith('DRAIN') || s.startsWith('DOWN')), JSON.stringify(after));
    const load = startLoad(haproxy.port);
    await new Promise((r) => setTimeout(r, 1000));
    const report = await load.stop();
    assert.deepEqual(report.failures, []);
    assert.deepEqual([...new Set([...report.byBody.keys()].map((b) => b.split(' ')[1]))], ['v2']);
    assert.equal((await cluster.api('GET', '/v1/applications/shop/deployment-groups/web')).body.liveFleet, 'a');
  });

  it('tells webhooks when traffic moved (InstanceReady per replacement host, then DeploymentReady) and counts each move in /metrics', async function () {
    const [first, canary, invalid, movedBack] = deployments;
    const ended = (id: string | undefined) => received.some((m) => m.data.deploymentId === id && ['DeploymentSuccess', 'DeploymentFailure'].includes(m.type));
    await waitFor('every deployment\'s end to reach the receiver', () => (deployments.every(ended) ? true : undefined), 90_000);
    const of = (id: string | undefined) => received.filter((m) => m.data.deploymentId === id).map((m) => m.type);
    for (const [id, end] of [[first, 'DeploymentSuccess'], [canary, 'DeploymentSuccess'], [movedBack, 'DeploymentFailure']] as const) {
      const types = of(id);
      assert.equal(types.filter((t) => t === 'InstanceReady').length, 2, types.join(' '));
      assert.equal(types.filter((t) => t === 'DeploymentReady').length, 1, types.join(' '));
      assert.ok(types.lastIndexOf('InstanceReady') < types.indexOf('DeploymentReady') && types.indexOf('DeploymentReady') < types.indexOf(end), types.join(' '));
    }
    // Its replacement hosts failed ValidateService: traffic never moved, nobody was ready.
    assert.deepEqual(of(invalid).filter((t) => t.endsWith('Ready')), []);
    const res = await fetch(`${cluster.url}/metrics`, { headers: { authorization: `Bearer ${cluster.token}` } });
    const text = await res.text();
    const count = (op: string) => Number(new RegExp(`^deckhand_traffic_operation_duration_seconds_count\\{op="${op}",status="Succeeded"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    // Four deployments of two replacement hosts each, traffic moved three times and back once.
    assert.equal(count('PrepareGreen'), 8, text);
    assert.equal(count('DrainBlue'), 6);
    assert.equal(count('RestoreBlue'), 2);
    assert.equal(count('DrainGreen'), 2);
    assert.equal(count('AllowTraffic'), 6);
  });
});
