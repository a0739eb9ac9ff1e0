import assert from 'node:assert/strict';
import type { LogAppend } from '../../../../coordinator/src/store/logs.ts';
import { seed } from '../scheduler/seed.ts';
import { forEachStore, type TestStore } from './harness.ts';

const D = 'd-DEPLOY001';

function frame(instanceId: string, seq: number | undefined, texts: string[], lifecycleEvent = 'AfterInstall'): LogAppend {
  const lines = texts.map((text) => ({ at: '2030-01-01T00:00:00.000Z', stream: 'stdout' as const, text }));
  return { deploymentId: D, instanceId, lifecycleEvent, seq, lines, bytes: texts.map((t) => Buffer.byteLength(t)) };
}

async function addDeployment(db: TestStore, instanceIds: string[], completedAt: string | null = null): Promise<void> {
  await db.run(
    `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status, creator,
       file_exists_behavior, ignore_application_stop_failures, parameters, created_at, completed_at)
     VALUES (?, 'a-APPAPPAPP', 'g-GRPGRPGRP', 'r-REVREVREV', 'CodeDeployDefault.AllAtOnce', ?, 'test', 'DISALLOW', 0, '{}', '2030-01-01T00:00:00.000Z', ?)`,
    D,
    completedAt === null ? 'InProgress' : 'Succeeded',
    completedAt,
  );
  for (const [i, id] of instanceIds.entries()) await db.run(`INSERT INTO deployment_targets (deployment_id, instance_id, position, status) VALUES (?, ?, ?, 'InProgress')`, D, id, i);
}

forEachStore('store/logs', (current) => {
  let db: TestStore;
  let store: TestStore['store'];
  let hosts: string[];

  beforeEach(async function () {
    db = current();
    store = db.store;
    hosts = (await seed(db, 3)).instanceIds;
  });

  it('keeps each line once, in order, whatever is sent twice', async function () {
    await addDeployment(db, hosts);
    assert.deepEqual(await store.logs.append(frame(hosts[0]!, 1, ['a', 'b']), 1000), { status: 'stored', through: 2, kept: 2, cut: 0, keptBytes: 2 });
    assert.deepEqual(await store.logs.append(frame(hosts[0]!, 1, ['a', 'b', 'c']), 1000), { status: 'stored', through: 3, kept: 1, cut: 0, keptBytes: 1 });
    await store.logs.append(frame(hosts[1]!, 1, ['x']), 1000);
    const lines = await store.logs.read({ deploymentId: D, after: 0, limit: 100 });
    assert.deepEqual(lines.map((l) => [l.cursor, l.hostname, l.seq, l.text]), [[1, 'host-0', 1, 'a'], [2, 'host-0', 2, 'b'], [3, 'host-0', 3, 'c'], [4, 'host-1', 1, 'x']]);
    const one = await store.logs.read({ deploymentId: D, after: 1, limit: 100, instanceId: hosts[0]!, lifecycleEvent: 'AfterInstall' });
    assert.deepEqual(one.map((l) => l.text), ['b', 'c']);
  });

  it('stores nothing of a frame that would leave a gap', async function () {
    await addDeployment(db, hosts);
    assert.deepEqual(await store.logs.append(frame(hosts[0]!, 3, ['c']), 1000), { status: 'stored', through: 0, kept: 0, cut: 0 });
    assert.equal((await store.logs.read({ deploymentId: D, after: 0, limit: 10 })).length, 0);
  });

  it('numbers the lines of agents that send no seq after what it holds', async function () {
    await addDeployment(db, hosts);
    await store.logs.append(frame(hosts[0]!, undefined, ['a']), 1000);
    await store.logs.append(frame(hosts[0]!, undefined, ['b']), 1000);
    assert.deepEqual((await store.logs.read({ deploymentId: D, after: 0, limit: 10 })).map((l) => l.seq), [1, 2]);
  });

  it('refuses lines for a deployment that does not target the host', async function () {
    await addDeployment(db, hosts.slice(0, 1));
    const result = await store.logs.append(frame(hosts[2]!, 1, ['sneaky']), 1000);
    assert.equal(result.status, 'refused');
  });

  it('counts the lines past the byte cap instead of keeping them', async function () {
    await addDeployment(db, hosts);
    assert.deepEqual(await store.logs.append(frame(hosts[0]!, 1, ['12345', '67890', 'abc']), 10), { status: 'stored', through: 3, kept: 2, cut: 1, keptBytes: 10 });
    const [stream] = await store.logs.cutStreams(D);
    assert.deepEqual(stream && [stream.through, stream.lines, stream.bytes, stream.cutLines, stream.cutBytes], [3, 2, 10, 1, 3]);
    assert.deepEqual(await store.logs.summary(D), { bytes: 10, lastCursor: 2 });
  });

  it('deletes the lines of deployments finished before the retention and marks them expired', async function () {
    await addDeployment(db, hosts, '2030-01-02T00:00:00.000Z');
    await store.logs.append(frame(hosts[0]!, 1, ['a', 'b', 'c']), 1000);
    assert.equal(await store.logs.expire('2030-01-01T00:00:00.000Z', 100, '2030-02-01T00:00:00.000Z'), 0);
    assert.equal(await store.logs.expire('2030-01-03T00:00:00.000Z', 2, '2030-02-01T00:00:00.000Z'), 2);
    assert.equal(await store.logs.expire('2030-01-03T00:00:00.000Z', 100, '2030-02-01T00:00:00.000Z'), 1);
    await store.logs.expire('2030-01-03T00:00:00.000Z', 100, '2030-02-01T00:00:00.000Z');
    assert.deepEqual(await store.logs.summary(D), { bytes: 0, lastCursor: 3, expiredAt: '2030-02-01T00:00:00.000Z' });
  });

  it('gives lines stored at once by several units of work distinct cursors, in the order they committed', async function () {
    await addDeployment(db, hosts);
    // Three hosts append side by side (on PostgreSQL, three connections): no cursor twice, none lost.
    await Promise.all(hosts.map((h, n) => store.transaction((tx) => tx.logs.append(frame(h, 1, [`${n}a`, `${n}b`]), 1000))));
    const lines = await store.logs.read({ deploymentId: D, after: 0, limit: 100 });
    assert.deepEqual(lines.map((l) => l.cursor), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(lines.map((l) => l.text).sort(), ['0a', '0b', '1a', '1b', '2a', '2b']);
    assert.deepEqual(await store.logs.summary(D), { bytes: 12, lastCursor: 6 });
  });

  it('makes each call on the store itself a unit of work: appends made at once outside one keep distinct cursors', async function () {
    await addDeployment(db, hosts);
    // On PostgreSQL each call runs on a connection of its own: its row lock must last the whole call.
    const events = ['BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService'];
    await Promise.all(hosts.flatMap((h) => events.map((e) => store.logs.append(frame(h, 1, ['a', 'b'], e), 1000))));
    const lines = await store.logs.read({ deploymentId: D, after: 0, limit: 100 });
    assert.deepEqual(lines.map((l) => l.cursor), Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('removes the lines with the deployment group', async function () {
    await addDeployment(db, hosts);
    await store.logs.append(frame(hosts[0]!, 1, ['a']), 1000);
    assert.equal(await store.groups.remove('g-GRPGRPGRP'), 1);
    assert.deepEqual(await store.logs.read({ deploymentId: D, after: 0, limit: 10 }), []);
    assert.equal(await store.logs.summary(D), undefined);
  });
});
