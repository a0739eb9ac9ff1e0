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
    // Hook output and a webhook with a message in its outbox.
    const first = sender.sent[0]!;
    const line = { at: '2025-01-01T00:00:00.000Z', stream: 'stdout' as const, text: 'installing' };
    await source.store.logs.append({ deploymentId: first.command.deploymentId, instanceId: first.instanceId, lifecycleEvent: 'Install', seq: 1, lines: [line, line], bytes: [10, 10] }, 1000);
    const hook = await source.store.webhooks.insert({ deploymentGroupId: s.deploymentGroupId, name: 'ci', url: 'https://example.test/', events: ['DeploymentStart'], secret: 'whsec_x', createdAt: '2025-01-01T00:00:00.000Z' });
    await source.store.webhooks.enqueue({ deliveryId: 'msg-1', webhookId: hook.webhookId, event: 'DeploymentStart', payload: '{}', createdAt: '2025-01-01T00:00:00.000Z' });
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
    // 11 events an agent runs, per host.
    assert.equal(rows.get('target_events'), 66);
    assert.deepEqual([rows.get('log_lines'), rows.get('log_streams'), rows.get('deployment_logs'), rows.get('webhooks'), rows.get('webhook_deliveries')], [2, 1, 1, 1, 1]);
    assert.ok(report.every((t) => /^[0-9a-f]{64}$/.test(t.sha256)));
    const target = await openPostgresStore(server.url(name), { max: 2 });
    try {
      assert.deepEqual(await looks(target), before);
      // The outbox numbers its next message after the copied ones.
      const [hook] = await target.webhooks.listOfGroup((await target.groups.listAll())[0]!.deploymentGroupId);
      await target.webhooks.enqueue({ deliveryId: 'msg-2', webhookId: hook!.webhookId, event: 'DeploymentStart', payload: '{}', createdAt: '2025-01-01T00:00:01.000Z' });
      assert.deepEqual((await target.webhooks.deliveries(hook!.webhookId, 10)).map((d) => d.deliveryId), ['msg-2', 'msg-1']);
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
