import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../../../common/src/logger.ts';
import { migrationBlocker } from '../../../../coordinator/src/commands/store.ts';
import { Scheduler } from '../../../../coordinator/src/scheduler/index.ts';
import { migrateStore } from '../../../../coordinator/src/store/migrate-store.ts';
import { openPostgresStore } from '../../../../coordinator/src/store/postgres/store.ts';
import type { SqliteStore } from '../../../../coordinator/src/store/sqlite/store.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { postgresMissing, sharedPostgres, type ThrowawayPostgres } from '../../../support/postgres.ts';
import { skipForMissing } from '../../../support/requirements.ts';
import { applyEvent, FakeSender, fakeClock, outcome, seed } from '../scheduler/seed.ts';
import { openTestStore, type TestStore } from './harness.ts';

/** What a user sees of a store: every deployment with its hosts and events, the instances. */
async function looks(store: Store): Promise<unknown> {
  const deployments = await store.deploymentViews.list({});
  const out = [];
  for (const d of deployments) out.push({ d, targets: await store.deploymentViews.targets(d.deploymentId), events: await store.deploymentViews.events(d.deploymentId) });
  return { out, instances: await store.instances.list(), groups: await store.groups.listAll() };
}

describe('deckhand-coordinator migrate-store (SQLite to PostgreSQL)', function () {
  let server: ThrowawayPostgres;
  let source: TestStore;
  let file: string;

  before(async function () {
    const missing = postgresMissing();
    if (missing) skipForMissing(this, missing);
    server = await sharedPostgres();
  });
  beforeEach(async () => {
    source = await openTestStore('sqlite');
    file = (source.store as SqliteStore).db.name;
    const s = await seed(source, 3);
    const sender = new FakeSender();
    const scheduler = new Scheduler({ store: source.store, clock: fakeClock(), logger: silentLogger(), hub: sender });
    const base = { applicationId: s.applicationId, deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId, fileExistsBehavior: 'DISALLOW' as const, ignoreApplicationStopFailures: false, parameters: {}, creator: 'u' };
    await scheduler.createDeployment({ ...base, deploymentConfigName: 'CodeDeployDefault.AllAtOnce' });
    for (const [i, c] of sender.sent.entries()) await applyEvent(source.store, scheduler, c.instanceId, outcome(c.command, i === 0 ? 'Failed' : 'Succeeded', i + 1));
    await scheduler.createDeployment({ ...base, deploymentConfigName: 'CodeDeployDefault.OneAtATime', queue: true });
  });
  afterEach(async () => {
    await source.cleanup();
  });

  it('copies every table, verified by counts and checksums, and the PostgreSQL store shows what SQLite did', async () => {
    const name = await server.createDatabase();
    const before = await looks(source.store);
    await source.store.close();
    const report = await migrateStore(file, server.url(name));
    const rows = new Map(report.map((t) => [t.table, t.rows]));
    assert.equal(rows.get('deployments'), 2);
    assert.equal(rows.get('deployment_targets'), 6);
    assert.equal(rows.get('target_events'), 42);
    assert.ok(report.every((t) => /^[0-9a-f]{64}$/.test(t.sha256)));
    const target = await openPostgresStore(server.url(name), { max: 2 });
    try {
      assert.deepEqual(await looks(target), before);
    } finally {
      await target.close();
    }
  });

  it('refuses a database that is not empty, changing nothing', async () => {
    const name = await server.createDatabase();
    await source.store.close();
    await migrateStore(file, server.url(name));
    await assert.rejects(migrateStore(file, server.url(name)), /is not empty \(api_tokens has rows\)|is not empty/);
  });

  it('refuses while the SQLite coordinator still runs, or when there is no SQLite store', async () => {
    const dir = path.dirname(file);
    fs.writeFileSync(path.join(dir, 'coordinator.json'), JSON.stringify({ url: 'http://x', pid: process.ppid }));
    assert.match(migrationBlocker(dir) ?? '', /still runs \(pid \d+\): stop it first/);
    fs.writeFileSync(path.join(dir, 'coordinator.json'), JSON.stringify({ url: 'http://x', pid: 999_999_999 }));
    assert.equal(migrationBlocker(dir), undefined);
    assert.match(migrationBlocker(path.join(dir, 'nowhere')) ?? '', /no SQLite store/);
  });
});
