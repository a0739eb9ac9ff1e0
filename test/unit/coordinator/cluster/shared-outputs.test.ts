import assert from 'node:assert/strict';
import { systemClock } from '../../../../common/src/clock.ts';
import { silentLogger } from '../../../../common/src/logger.ts';
import type { DeploymentSummary } from '../../../../protocol/src/index.ts';
import { LogFeed } from '../../../../coordinator/src/logs/feed.ts';
import { followLogs } from '../../../../coordinator/src/logs/follow.ts';
import { WebhookNotifier } from '../../../../coordinator/src/notify/webhooks.ts';
import { openPostgresStore, type PostgresStore } from '../../../../coordinator/src/store/postgres/store.ts';
import { postgresMissing } from '../../../support/postgres.ts';
import { skipForMissing } from '../../../support/requirements.ts';
import { seed } from '../scheduler/seed.ts';
import { openTestStore, type TestStore } from '../store/harness.ts';

const D = 'd-DEPLOY001';
const AT = '2030-01-01T00:00:00.000Z';

describe('cluster: webhooks and hook output with several coordinators on one PostgreSQL store', function () {
  let db: TestStore;
  let hosts: string[];
  const stores: PostgresStore[] = [];

  before(function () {
    const missing = postgresMissing();
    if (missing) skipForMissing(this, missing);
  });
  beforeEach(async function () {
    db = await openTestStore('postgres');
    hosts = (await seed(db, 3)).instanceIds;
    // The group's webhook exists before the deployment: everything about it is news.
    await db.store.webhooks.insert({ deploymentGroupId: 'g-GRPGRPGRP', name: 'ci', url: 'https://example.test/hook', events: ['DeploymentStart', 'DeploymentSuccess', 'InstanceStart', 'InstanceSuccess'], secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', createdAt: AT });
    await db.run(
      `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status, creator,
         file_exists_behavior, ignore_application_stop_failures, parameters, created_at)
       VALUES (?, 'a-APPAPPAPP', 'g-GRPGRPGRP', 'r-REVREVREV', 'CodeDeployDefault.AllAtOnce', 'Created', 'test', 'DISALLOW', 0, '{}', ?)`,
      D,
      AT,
    );
    for (const [i, id] of hosts.entries()) await db.run(`INSERT INTO deployment_targets (deployment_id, instance_id, position, status) VALUES (?, ?, ?, 'Pending')`, D, id, i);
    for (let n = 0; n < 2; n++) stores.push(await openPostgresStore(db.url!, { max: 4 }));
  });
  afterEach(async function () {
    for (const s of stores.splice(0)) await s.close();
    await db.cleanup();
  });

  it('announces each change once and sends each message once while every coordinator runs its notifier', async function () {
    const posted: string[] = [];
    const notifiers = stores.map(
      (store) =>
        new WebhookNotifier({
          store,
          clock: systemClock,
          logger: silentLogger(),
          post: async (_url, headers) => {
            posted.push(headers['webhook-id'] as string);
            // Both coordinators are mid-attempt at once, as they would be on a slow receiver.
            await new Promise((resolve) => setTimeout(resolve, 5));
            return { status: 204 };
          },
        }),
    );
    // A webhook's messages go one at a time: cycles until none is left (or far more than needed).
    const cycles = async (): Promise<void> => {
      for (let i = 0; i < 20 && (i < 2 || (await db.store.webhooks.nextDue()) !== undefined); i++) await Promise.all(notifiers.map((n) => n.cycle()));
    };
    await db.run(`UPDATE deployments SET status = 'InProgress', started_at = ? WHERE deployment_id = ?`, AT, D);
    await db.run(`UPDATE deployment_targets SET status = 'InProgress' WHERE deployment_id = ?`, D);
    await cycles();
    await db.run(`UPDATE deployment_targets SET status = 'Succeeded' WHERE deployment_id = ?`, D);
    await db.run(`UPDATE deployments SET status = 'Succeeded', completed_at = ? WHERE deployment_id = ?`, AT, D);
    await cycles();
    const deliveries = await db.all<{ delivery_id: string; event: string; status: string; attempts: number }>('SELECT delivery_id, event, status, attempts FROM webhook_deliveries ORDER BY seq');
    const count = (event: string): number => deliveries.filter((d) => d.event === event).length;
    assert.deepEqual(
      ['DeploymentStart', 'InstanceStart', 'InstanceSuccess', 'DeploymentSuccess'].map((e) => [e, count(e)]),
      [['DeploymentStart', 1], ['InstanceStart', 3], ['InstanceSuccess', 3], ['DeploymentSuccess', 1]],
    );
    assert.ok(deliveries.every((d) => d.status === 'Succeeded' && d.attempts === 1), JSON.stringify(deliveries));
    assert.deepEqual([...posted].sort(), deliveries.map((d) => d.delivery_id).sort(), 'each message posted exactly once');
  });

  it('streams to a follower on one coordinator the lines another coordinator stored', async function () {
    const [here, there] = stores as [PostgresStore, PostgresStore];
    const written: string[] = [];
    const stop = new AbortController();
    const summary = { deploymentId: D, status: 'InProgress', overview: {} } as unknown as DeploymentSummary;
    // Nobody publishes to this feed: the lines come from the other coordinator, found by polling.
    const following = followLogs({ store: here, feed: new LogFeed(), summary: async () => summary, hostnameOf: () => '' }, { deploymentId: D, after: 0 }, { write: (t) => (written.push(t), true), drained: async () => undefined }, stop.signal);
    const line = { at: AT, stream: 'stdout' as const, text: 'migrating' };
    await there.transaction((tx) => tx.logs.append({ deploymentId: D, instanceId: hosts[0]!, lifecycleEvent: 'Install', seq: 1, lines: [line], bytes: [9] }, 1000));
    const deadline = Date.now() + 5000;
    while (!written.some((t) => t.startsWith('id: 1\nevent: lines')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort();
    await following;
    assert.ok(written.some((t) => t.startsWith('id: 1\nevent: lines') && t.includes('migrating')), written.join(''));
  });
});
