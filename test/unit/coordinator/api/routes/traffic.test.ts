import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { systemClock } from '../../../../../common/src/clock.ts';
import { silentLogger } from '../../../../../common/src/logger.ts';
import { TrafficService } from '../../../../../coordinator/src/traffic/service.ts';
import { insertInstance } from '../../../../../coordinator/src/store/sqlite/instances.ts';
import { startHarness, type Harness } from '../harness.ts';

describe('traffic routes of deployment groups', () => {
  let h: Harness;
  let webhook: http.Server;
  let webhookUrl: string;

  before(async () => {
    webhook = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', () => r()));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/lb`;
  });
  after(() => webhook.close());

  beforeEach(async () => {
    h = await startHarness({
      traffic: (store) => new TrafficService({ store, clock: systemClock, logger: silentLogger(), hub: { sendTrafficResult: () => false, applyTraffic: async () => 'offline' }, onSettled: async () => undefined, onAnalysisFailed: async () => undefined }),
    });
    await h.app.inject({ method: 'POST', url: '/v1/applications', headers: h.auth, payload: { name: 'shop' } });
    insertInstance(h.db, { instanceId: 'i-WEB00001', hostname: 'web-1', publicKey: 'k', tags: { role: 'web' }, registeredAt: '2030-01-01T00:00:00.000Z' });
  });
  afterEach(() => h.close());

  const createGroup = (extra: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url: '/v1/applications/shop/deployment-groups', headers: h.auth, payload: { name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }], ...extra } });

  it('refuses a group whose HAProxy socket cannot be reached, naming it, and creates nothing', async () => {
    const socket = path.join(h.dir, 'no-such.sock');
    const res = await createGroup({ trafficControl: { provider: 'haproxy', socket, backend: 'web', serverTemplate: '{hostname}' } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().error, { code: 'VALIDATION_FAILED', field: 'trafficControl', message: `trafficControl: cannot reach HAProxy's runtime API at ${socket}: ENOENT` });
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/applications/shop/deployment-groups/web', headers: h.auth })).statusCode, 404);
  });

  it('refuses an unknown provider and a malformed template, naming the field', async () => {
    const unknown = await createGroup({ trafficControl: { provider: 'envoy' } });
    assert.equal(unknown.json().error.message, 'trafficControl.provider: unknown traffic provider "envoy": use haproxy, nginx, command, http');
    const template = await createGroup({ trafficControl: { provider: 'haproxy', socket: '/run/h.sock', backend: 'web', serverTemplate: 'web-{host' } });
    assert.equal(template.json().error.field, 'trafficControl.serverTemplate');
  });

  it('refuses a blue/green group whose hosts lack the fleet tag', async () => {
    const res = await createGroup({
      trafficControl: { provider: 'http', url: webhookUrl },
      deploymentStyle: { deploymentType: 'BLUE_GREEN' },
      blueGreenDeploymentConfiguration: { greenFleetProvisioningOption: { action: 'DISCOVER_BY_TAGS', fleetTag: 'fleet' } },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error.message, /host web-1 has no tag fleet/);
  });

  it('stores a webhook provider without ever showing its token, and changes it with PUT', async () => {
    const res = await createGroup({ trafficControl: { provider: 'http', url: webhookUrl, token: 'tok-never-shown' } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.body.includes('tok-never-shown'), false);
    assert.equal(res.json().trafficControl.tokenSet, true);
    const got = await h.app.inject({ method: 'GET', url: '/v1/applications/shop/deployment-groups/web', headers: h.auth });
    assert.equal(got.body.includes('tok-never-shown'), false);
    const put = await h.app.inject({ method: 'PUT', url: '/v1/applications/shop/deployment-groups/web/traffic', headers: h.auth, payload: { trafficControl: null } });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), {});
  });

  it('shows each host of the group on its balancer (unknown before Deckhand touched it)', async () => {
    await createGroup({ trafficControl: { provider: 'http', url: webhookUrl } });
    const res = await h.app.inject({ method: 'GET', url: '/v1/applications/shop/deployment-groups/web/traffic', headers: h.auth });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { deploymentGroupName: 'web', deploymentType: 'IN_PLACE', provider: 'http', hosts: [{ instanceId: 'i-WEB00001', hostname: 'web-1', state: 'unknown' }] });
  });

  it('keeps showing the traffic settings of a group changed with PATCH', async () => {
    await createGroup({ trafficControl: { provider: 'http', url: webhookUrl, token: 'tok-never-shown' } });
    const res = await h.app.inject({ method: 'PATCH', url: '/v1/applications/shop/deployment-groups/web', headers: h.auth, payload: { agentWaitSeconds: 60 } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().agentWaitSeconds, 60);
    assert.deepEqual(res.json().trafficControl, { provider: 'http', url: webhookUrl, timeoutSeconds: 300, drainTimeoutSeconds: 30, healthyPasses: 3, healthIntervalSeconds: 1, allowTimeoutSeconds: 300, keepFailedHostsOut: true, tokenSet: true });
    assert.equal(res.body.includes('tok-never-shown'), false);
  });

  it('deletes a group with its traffic settings, host states and traffic operations', async () => {
    const group = (await createGroup({ trafficControl: { provider: 'http', url: webhookUrl } })).json();
    await h.store.traffic.setHostState({ deploymentGroupId: group.deploymentGroupId, instanceId: 'i-WEB00001', state: 'out', updatedAt: '2030-01-01T00:00:00.000Z' });
    const res = await h.app.inject({ method: 'DELETE', url: '/v1/applications/shop/deployment-groups/web', headers: h.auth });
    assert.equal(res.statusCode, 200, res.body);
    const count = (table: string) => (h.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    assert.deepEqual([count('group_traffic'), count('traffic_hosts'), count('deployment_groups')], [0, 0, 0]);
  });
});
