import assert from 'node:assert/strict';
import { seed } from '../scheduler/seed.ts';
import { forEachStore, type TestStore } from './harness.ts';

const D = 'd-DEPLOY001';
const G = 'g-GRPGRPGRP';
const AT = '2030-01-01T00:00:00.000Z';
const LATER = '2030-01-01T00:00:15.000Z';

async function addDeployment(db: TestStore, status: string, instanceIds: string[]): Promise<void> {
  await db.run(
    `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status, creator,
       file_exists_behavior, ignore_application_stop_failures, parameters, created_at)
     VALUES (?, 'a-APPAPPAPP', ?, 'r-REVREVREV', 'CodeDeployDefault.AllAtOnce', ?, 'test', 'DISALLOW', 0, '{}', ?)`,
    D,
    G,
    status,
    AT,
  );
  for (const [i, id] of instanceIds.entries()) await db.run(`INSERT INTO deployment_targets (deployment_id, instance_id, position, status) VALUES (?, ?, ?, 'Pending')`, D, id, i);
}

forEachStore('store/webhooks', (current) => {
  let db: TestStore;
  let hosts: string[];

  beforeEach(async function () {
    db = current();
    hosts = (await seed(db, 2)).instanceIds;
  });

  async function hook(name = 'ci'): Promise<string> {
    const row = await db.store.webhooks.insert({ deploymentGroupId: G, name, url: 'https://example.test/hook', events: ['DeploymentStart'], secret: 'whsec_x', createdAt: AT });
    return row.webhookId;
  }

  async function enqueue(webhookId: string, deliveryId: string): Promise<void> {
    await db.store.webhooks.enqueue({ deliveryId, webhookId, event: 'DeploymentStart', deploymentId: D, payload: '{}', createdAt: AT });
  }

  it('refuses a second webhook of the same name in a group with CONFLICT, and lists them by name', async function () {
    await hook('b');
    await hook('a');
    await assert.rejects(hook('a'), (err: { code?: string }) => err.code === 'CONFLICT');
    assert.deepEqual((await db.store.webhooks.listOfGroup(G)).map((w) => [w.name, w.events, w.secret]), [
      ['a', ['DeploymentStart'], 'whsec_x'],
      ['b', ['DeploymentStart'], 'whsec_x'],
    ]);
  });

  it('announces what changed after the webhook was made, once', async function () {
    await addDeployment(db, 'Created', hosts);
    await hook();
    await db.run(`UPDATE deployments SET status = 'InProgress' WHERE deployment_id = ?`, D);
    await db.run(`UPDATE deployment_targets SET status = 'InProgress' WHERE instance_id = ?`, hosts[0]);
    const changes = await db.store.webhooks.unannounced(10);
    assert.deepEqual(changes.map((c) => [c.instanceId ?? '-', c.announced, c.status]), [
      ['-', 'Created', 'InProgress'],
      [hosts[0], 'Pending', 'InProgress'],
    ]);
    // Two coordinators read the same changes: only the first to mark each one announces it.
    for (const c of changes) assert.equal(await db.store.webhooks.markAnnounced(c), true);
    for (const c of changes) assert.equal(await db.store.webhooks.markAnnounced(c), false);
    assert.deepEqual(await db.store.webhooks.unannounced(10), []);
  });

  it('leaves what happened before the webhook was made unannounced', async function () {
    await addDeployment(db, 'InProgress', hosts);
    await db.run(`UPDATE deployment_targets SET status = 'Succeeded' WHERE instance_id = ?`, hosts[0]);
    await hook();
    assert.deepEqual(await db.store.webhooks.unannounced(10), []);
  });

  it('claims each due delivery for one caller until the claim runs out, oldest of each webhook first', async function () {
    await addDeployment(db, 'InProgress', hosts);
    const id = await hook();
    await enqueue(id, 'msg-1');
    await enqueue(id, 'msg-2');
    const [first, ...rest] = await db.store.webhooks.due(AT, 10, LATER);
    assert.equal(first?.deliveryId, 'msg-1');
    assert.equal(first?.url, 'https://example.test/hook');
    assert.deepEqual(rest, []);
    // Claimed: nobody else gets it (nor the next one, which waits for it) before the claim ends.
    assert.deepEqual(await db.store.webhooks.due(AT, 10, LATER), []);
    assert.equal((await db.store.webhooks.due(LATER, 10, '2030-01-01T00:00:30.000Z'))[0]?.deliveryId, 'msg-1');
  });

  it('gives a due delivery to one of several callers claiming at once', async function () {
    await addDeployment(db, 'InProgress', hosts);
    for (const name of ['a', 'b', 'c']) await enqueue(await hook(name), `msg-${name}`);
    const claims = await Promise.all([1, 2, 3].map(() => db.store.transaction((tx) => tx.webhooks.due(AT, 10, LATER))));
    const ids = claims.flat().map((d) => d.deliveryId).sort();
    assert.deepEqual(ids, ['msg-a', 'msg-b', 'msg-c']);
  });

  it('records attempts: a retry stays pending until its time, a success ends it, newest deliveries first', async function () {
    await addDeployment(db, 'InProgress', hosts);
    const id = await hook();
    await enqueue(id, 'msg-1');
    await enqueue(id, 'msg-2');
    await db.store.webhooks.recordAttempt('msg-1', { at: AT, statusCode: 500, durationMs: 3, ok: false, retryAt: LATER });
    assert.equal(await db.store.webhooks.nextDue(), AT);
    assert.deepEqual(await db.store.webhooks.due(AT, 10, LATER), [], 'msg-2 waits behind msg-1');
    await db.store.webhooks.recordAttempt('msg-1', { at: LATER, error: 'no answer (ECONNREFUSED)', durationMs: 4, ok: true });
    assert.equal((await db.store.webhooks.due(LATER, 10, LATER))[0]?.deliveryId, 'msg-2');
    const [newest, oldest] = await db.store.webhooks.deliveries(id, 10);
    assert.equal(newest?.deliveryId, 'msg-2');
    assert.deepEqual([oldest?.status, oldest?.attempts, oldest?.attemptList.map((a) => [a.attempt, a.statusCode ?? a.error])], ['Succeeded', 2, [[1, 500], [2, 'no answer (ECONNREFUSED)']]]);
  });

  it('removes a webhook with its deliveries', async function () {
    await addDeployment(db, 'InProgress', hosts);
    const id = await hook();
    await enqueue(id, 'msg-1');
    assert.equal(await db.store.webhooks.remove(G, 'ci'), true);
    assert.equal(await db.store.webhooks.remove(G, 'ci'), false);
    assert.equal((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_deliveries'))?.n, 0);
  });
});
