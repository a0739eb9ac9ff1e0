import assert from 'node:assert/strict';
import { TrafficControl } from '../../../../protocol/src/index.ts';
import type { BlueGreenRecord } from '../../../../coordinator/src/store/traffic.ts';
import { forEachStore, type TestStore } from './harness.ts';

const G = 'g-GRPGRPGRP';
const D = 'd-DEPLOY001';
const AT = '2030-01-01T00:00:00.000Z';
const LATER = '2030-01-01T00:00:09.000Z';
const HAPROXY = TrafficControl.parse({ provider: 'haproxy', socket: '/run/haproxy/admin.sock', backend: 'web', serverTemplate: '{hostname}' });

/** An application, group, revision, a running deployment and its hosts (Blue and Green when labelled). */
async function seed(db: TestStore, hosts: { id: string; label?: string; status?: string }[]): Promise<void> {
  await db.run(`INSERT INTO applications (application_id, name, created_at) VALUES ('a-APPAPPAPP', 'shop', ?)`, AT);
  await db.run(`INSERT INTO deployment_groups (deployment_group_id, application_id, name, tag_filters, deployment_config_name, created_at)
    VALUES (?, 'a-APPAPPAPP', 'web', '[]', 'CodeDeployDefault.OneAtATime', ?)`, G, AT);
  await db.run(`INSERT INTO revisions (revision_id, application_id, sha256, size, bundle_type, created_at) VALUES ('r-REVREVREV', 'a-APPAPPAPP', 'aa', 1, 'tgz', ?)`, AT);
  await db.run(`INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status, creator,
      file_exists_behavior, ignore_application_stop_failures, parameters, created_at)
    VALUES (?, 'a-APPAPPAPP', ?, 'r-REVREVREV', 'CodeDeployDefault.OneAtATime', 'InProgress', 'test', 'DISALLOW', 0, '{}', ?)`, D, G, AT);
  for (const [i, h] of hosts.entries()) {
    await db.run(`INSERT INTO instances (instance_id, hostname, public_key, tags, registered_at) VALUES (?, ?, 'k', '{}', ?)`, h.id, `host-${i}`, AT);
    await db.run('INSERT INTO deployment_targets (deployment_id, instance_id, position, status, label) VALUES (?, ?, ?, ?, ?)', D, h.id, i, h.status ?? 'Pending', h.label ?? null);
  }
}

forEachStore('store/traffic', (current) => {
  let db: TestStore;
  beforeEach(() => {
    db = current();
  });

  it('stores a group\'s traffic settings, replaces them whole, and keeps the live fleet across a replacement', async () => {
    await seed(db, []);
    assert.deepEqual(await db.store.traffic.groupTraffic(G), {});
    await db.store.traffic.setGroupTraffic(G, { trafficControl: HAPROXY, deploymentStyle: { deploymentType: 'IN_PLACE' } });
    assert.deepEqual(await db.store.traffic.groupTraffic(G), { trafficControl: HAPROXY, deploymentStyle: { deploymentType: 'IN_PLACE' } });
    await db.store.traffic.setLiveFleet(G, 'b');
    await db.store.traffic.setGroupTraffic(G, { trafficControl: HAPROXY });
    assert.deepEqual(await db.store.traffic.groupTraffic(G), { trafficControl: HAPROXY, liveFleet: 'b' });
  });

  it('starts an operation once: a second start, running or finished, is refused and changes nothing', async () => {
    await seed(db, [{ id: 'i-HOST0001' }]);
    assert.equal(await db.store.traffic.startOp(D, 'i-HOST0001', 'BlockTraffic', AT), true);
    assert.equal(await db.store.traffic.startOp(D, 'i-HOST0001', 'BlockTraffic', LATER), false);
    assert.deepEqual(await db.store.traffic.runningOps(), [{ deploymentId: D, instanceId: 'i-HOST0001', op: 'BlockTraffic', status: 'Running', startedAt: AT }]);
    await db.store.traffic.finishOp(D, 'i-HOST0001', 'BlockTraffic', { status: 'Succeeded', message: 'drained' }, LATER);
    assert.equal(await db.store.traffic.startOp(D, 'i-HOST0001', 'BlockTraffic', LATER), false);
    assert.deepEqual(await db.store.traffic.getOp(D, 'i-HOST0001', 'BlockTraffic'), {
      deploymentId: D, instanceId: 'i-HOST0001', op: 'BlockTraffic', status: 'Succeeded', message: 'drained', startedAt: AT, endedAt: LATER,
    });
    assert.deepEqual(await db.store.traffic.runningOps(), []);
  });

  it('keeps an operation\'s first outcome: a late second finish is ignored', async () => {
    await seed(db, [{ id: 'i-HOST0001' }]);
    await db.store.traffic.startOp(D, 'i-HOST0001', 'AllowTraffic', AT);
    await db.store.traffic.finishOp(D, 'i-HOST0001', 'AllowTraffic', { status: 'Failed', errorCode: 'CUSTOMER_APPLICATION_UNHEALTHY', message: 'no passes' }, AT);
    await db.store.traffic.finishOp(D, 'i-HOST0001', 'AllowTraffic', { status: 'Succeeded' }, LATER);
    const op = await db.store.traffic.getOp(D, 'i-HOST0001', 'AllowTraffic');
    assert.deepEqual([op?.status, op?.errorCode, op?.endedAt], ['Failed', 'CUSTOMER_APPLICATION_UNHEALTHY', AT]);
    assert.equal(await db.store.traffic.getOp(D, 'i-HOST0001', 'BlockTraffic'), undefined);
  });

  it('lists a deployment\'s operations oldest first', async () => {
    await seed(db, [{ id: 'i-HOST0001' }, { id: 'i-HOST0002' }]);
    await db.store.traffic.startOp(D, 'i-HOST0002', 'PrepareGreen', LATER);
    await db.store.traffic.startOp(D, 'i-HOST0001', 'DrainBlue', AT);
    assert.deepEqual((await db.store.traffic.opsOf(D)).map((o) => [o.instanceId, o.op]), [['i-HOST0001', 'DrainBlue'], ['i-HOST0002', 'PrepareGreen']]);
  });

  it('records where each host was left, the last record winning', async () => {
    await seed(db, [{ id: 'i-HOST0001' }, { id: 'i-HOST0002' }]);
    await db.store.traffic.setHostState({ deploymentGroupId: G, instanceId: 'i-HOST0002', state: 'draining', detail: 'DRAIN', deploymentId: D, updatedAt: AT });
    await db.store.traffic.setHostState({ deploymentGroupId: G, instanceId: 'i-HOST0001', state: 'out', updatedAt: AT });
    await db.store.traffic.setHostState({ deploymentGroupId: G, instanceId: 'i-HOST0002', state: 'serving', updatedAt: LATER });
    assert.deepEqual(await db.store.traffic.hostStatesOfGroup(G), [
      { deploymentGroupId: G, instanceId: 'i-HOST0001', state: 'out', updatedAt: AT },
      { deploymentGroupId: G, instanceId: 'i-HOST0002', state: 'serving', updatedAt: LATER },
    ]);
  });

  it('stores where a blue/green deployment stands, and each host\'s fleet label and target', async () => {
    await seed(db, [{ id: 'i-BLUE0001', label: 'Blue' }, { id: 'i-GREEN001', label: 'Green', status: 'Ready' }, { id: 'i-PLAIN001' }]);
    assert.equal(await db.store.traffic.blueGreenOf(D), undefined);
    const record: BlueGreenRecord = { phase: 'switch', fleetTag: 'fleet', blueFleet: 'a', greenFleet: 'b', step: 1, steps: [{ percent: 50, intervalSeconds: 60 }, { percent: 100, intervalSeconds: 0 }], trafficMoved: true, retire: false, until: LATER };
    await db.store.traffic.putBlueGreen(D, record);
    await db.store.traffic.putBlueGreen(D, { ...record, step: 2 });
    assert.deepEqual(await db.store.traffic.blueGreenOf(D), { ...record, step: 2 });
    assert.deepEqual([...(await db.store.traffic.labelsOf(D))].sort(), [['i-BLUE0001', 'Blue'], ['i-GREEN001', 'Green']]);
    assert.deepEqual(await db.store.traffic.targetOf(D, 'i-GREEN001'), { deploymentGroupId: G, status: 'Ready', label: 'Green' });
    assert.deepEqual(await db.store.traffic.targetOf(D, 'i-PLAIN001'), { deploymentGroupId: G, status: 'Pending' });
    assert.equal(await db.store.traffic.targetOf(D, 'i-NOBODY01'), undefined);
  });

  it('gives webhooks a replacement host that reached AllowTraffic, and a deployment whose traffic moved, once each', async () => {
    await seed(db, [{ id: 'i-GREEN001', label: 'Green' }, { id: 'i-GREEN002', label: 'Green' }, { id: 'i-BLUE0001', label: 'Blue' }]);
    const record: BlueGreenRecord = { phase: 'install', fleetTag: 'fleet', blueFleet: 'a', greenFleet: 'b', step: 1, steps: [{ percent: 100, intervalSeconds: 0 }], trafficMoved: false, retire: false };
    await db.store.traffic.putBlueGreen(D, record);
    await db.store.webhooks.insert({ deploymentGroupId: G, name: 'rx', url: 'https://example.test/hook', events: ['InstanceReady', 'DeploymentReady'], secret: 'whsec_x', createdAt: AT });
    await db.run(`UPDATE deployment_targets SET status = 'Ready' WHERE instance_id = 'i-GREEN001'`);
    for (const [id, status] of [['i-GREEN001', 'InProgress'], ['i-GREEN002', 'Skipped'], ['i-BLUE0001', 'Pending']] as const) {
      await db.run(`INSERT INTO target_events (deployment_id, instance_id, event, position, status) VALUES (?, ?, 'AllowTraffic', 9, ?)`, D, id, status);
    }
    const ready = async () => (await db.store.webhooks.unannounced(100)).filter((c) => c.ready === true);
    assert.deepEqual(await ready(), [{ deploymentId: D, deploymentGroupId: G, instanceId: 'i-GREEN001', announced: 'Pending', status: 'Ready', ready: true }]);
    for (const c of await db.store.webhooks.unannounced(100)) await db.store.webhooks.markAnnounced(c);
    assert.deepEqual(await ready(), []);
    await db.store.traffic.putBlueGreen(D, { ...record, phase: 'switch', trafficMoved: true });
    assert.deepEqual(await ready(), [{ deploymentId: D, deploymentGroupId: G, announced: 'InProgress', status: 'InProgress', rollback: false, ready: true }]);
    for (const c of await db.store.webhooks.unannounced(100)) await db.store.webhooks.markAnnounced(c);
    assert.deepEqual(await db.store.webhooks.unannounced(100), []);
  });

  it('does not give a webhook made after traffic moved the readiness it missed', async () => {
    await seed(db, [{ id: 'i-GREEN001', label: 'Green', status: 'Succeeded' }]);
    await db.run(`INSERT INTO target_events (deployment_id, instance_id, event, position, status) VALUES (?, 'i-GREEN001', 'AllowTraffic', 9, 'Succeeded')`, D);
    await db.store.traffic.putBlueGreen(D, { phase: 'wait', fleetTag: 'fleet', blueFleet: 'a', greenFleet: 'b', step: 1, steps: [{ percent: 100, intervalSeconds: 0 }], trafficMoved: true, retire: false });
    await db.store.webhooks.insert({ deploymentGroupId: G, name: 'late', url: 'https://example.test/hook', events: ['InstanceReady', 'DeploymentReady'], secret: 'whsec_x', createdAt: AT });
    assert.deepEqual(await db.store.webhooks.unannounced(100), []);
  });

  it('counts a replacement host waiting for traffic (Ready) as done in its step\'s progress, and running again once released', async () => {
    await seed(db, [{ id: 'i-GREEN001', label: 'Green', status: 'InProgress' }, { id: 'i-GREEN002', label: 'Green', status: 'InProgress' }]);
    const progress = () => db.get<{ total: number; in_flight: number; succeeded: number }>('SELECT total, in_flight, succeeded FROM deployment_progress WHERE deployment_id = ? AND step = 1', D);
    assert.equal(await db.store.targets.markReady(D, 'i-GREEN001', LATER), true);
    assert.equal(await db.store.targets.markReady(D, 'i-GREEN001', LATER), false);
    assert.deepEqual(await progress(), { total: 2, in_flight: 1, succeeded: 1 });
    await db.store.targets.release(D, ['i-GREEN001'], { at: LATER, deadline: LATER });
    assert.deepEqual(await progress(), { total: 2, in_flight: 2, succeeded: 0 });
  });
});
