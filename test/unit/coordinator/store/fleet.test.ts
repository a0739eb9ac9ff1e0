import assert from 'node:assert/strict';
import { seed } from '../scheduler/seed.ts';
import { forEachStore, type TestStore } from './harness.ts';

const AT = '2030-01-01T00:00:00.000Z';
const SHA = 'b'.repeat(64);

async function addDeployment(db: TestStore, id: string, revisionId: string, status: string, createdAt = AT): Promise<void> {
  await db.run(
    `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status, creator,
       file_exists_behavior, ignore_application_stop_failures, parameters, created_at)
     VALUES (?, 'a-APPAPPAPP', 'g-GRPGRPGRP', ?, 'CodeDeployDefault.OneAtATime', ?, 'test', 'DISALLOW', 0, '{}', ?)`,
    id,
    revisionId,
    status,
    createdAt,
  );
}

forEachStore('store fleet changes', (current) => {
  let db: TestStore;

  beforeEach(async function () {
    db = current();
    await seed(db, 1);
  });

  it('keeps an external revision with its location and an unknown sha256', async function () {
    const location = { kind: 's3' as const, bucket: 'b', key: 'k.zip', etag: '"abc"' };
    const row = await db.store.revisions.insert({ applicationId: 'a-APPAPPAPP', size: 0, bundleType: 'zip', createdAt: AT, location });
    const read = await db.store.revisions.get(row.revisionId);
    assert.deepEqual(read?.location, location);
    assert.equal(read && 'sha256' in read, false);
  });

  it('marks a revision deployments name deleted, removes one nobody names, and says when its bundle is unused', async function () {
    const kept = await db.store.revisions.insert({ applicationId: 'a-APPAPPAPP', sha256: SHA, size: 1, bundleType: 'zip', createdAt: AT });
    const other = await db.store.revisions.insert({ applicationId: 'a-APPAPPAPP', sha256: SHA, size: 1, bundleType: 'zip', createdAt: AT });
    await addDeployment(db, 'd-1', kept.revisionId, 'InProgress');
    assert.deepEqual(await db.store.revisions.usage(kept.revisionId), { activeDeployments: ['d-1'], lastGoodOfGroups: [], deployments: 1 });
    assert.deepEqual(await db.store.revisions.remove(kept.revisionId, AT), { sha256: SHA, unreferenced: false });
    assert.equal((await db.store.revisions.get(kept.revisionId))?.deletedAt, AT);
    assert.deepEqual(await db.store.revisions.remove(other.revisionId, AT), { sha256: SHA, unreferenced: true });
    assert.equal(await db.store.revisions.get(other.revisionId), undefined);
    assert.equal(await db.store.revisions.remove('r-NONE', AT), undefined);
  });

  it('updates the settings given, clears an optional one with null, and answers NOT_FOUND for a missing group', async function () {
    await db.store.groups.update('g-GRPGRPGRP', { autoRollback: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } });
    const row = await db.store.groups.update('g-GRPGRPGRP', { eventTimeoutSeconds: 60, autoDeployNewInstances: false, autoRollback: null });
    assert.deepEqual([row.eventTimeoutSeconds, row.autoDeployNewInstances, row.autoRollback], [60, false, undefined]);
    await assert.rejects(db.store.groups.update('g-NONE', { eventTimeoutSeconds: 1 }), (err: { code?: string }) => err.code === 'NOT_FOUND');
  });

  it('removes a group with its deployments and their history', async function () {
    await addDeployment(db, 'd-1', 'r-REVREVREV', 'Succeeded');
    await db.store.targets.insert('d-1', ['i-HOST0000']);
    assert.equal(await db.store.groups.remove('g-GRPGRPGRP'), 1);
    for (const table of ['deployments', 'deployment_targets', 'target_events', 'deployment_groups']) {
      assert.equal((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n, 0, table);
    }
  });

  it('removes an application with its revisions, naming the bundles no other revision uses', async function () {
    await db.run('DELETE FROM deployment_groups');
    assert.deepEqual(await db.store.applications.remove('a-APPAPPAPP'), ['a'.repeat(64)]);
    assert.equal(await db.store.applications.get('a-APPAPPAPP'), undefined);
  });

  it('says which groups and unfinished deployments use a configuration, and removes it', async function () {
    await db.store.configs.insert({ name: 'Half', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 }, createdAt: AT });
    await db.run(`UPDATE deployment_groups SET deployment_config_name = 'Half'`);
    assert.deepEqual(await db.store.configs.usage('Half'), { groups: ['shop/prod'], activeDeployments: [] });
    assert.equal(await db.store.configs.remove('Half'), true);
    assert.equal(await db.store.configs.remove('Half'), false);
  });

  it('pages deployments newest first after the last one of the previous page', async function () {
    for (const [i, id] of ['d-1', 'd-2', 'd-3'].entries()) await addDeployment(db, id, 'r-REVREVREV', 'Succeeded', `2030-01-0${i + 1}T00:00:00.000Z`);
    const first = await db.store.deploymentViews.list({ limit: 2 });
    assert.deepEqual(first.map((d) => d.deploymentId), ['d-3', 'd-2']);
    const last = first[1]!;
    const next = await db.store.deploymentViews.list({ limit: 2, before: { createdAt: last.createdAt, deploymentId: last.deploymentId } });
    assert.deepEqual(next.map((d) => d.deploymentId), ['d-1']);
  });
});
