import assert from 'node:assert/strict';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Scheduler } from '../../../../coordinator/src/scheduler/index.ts';
import type { Progress } from '../../../../coordinator/src/scheduler/policy/minimum-healthy.ts';
import { migrate, openPool } from '../../../../coordinator/src/store/postgres/db.ts';
import { PG_MIGRATIONS } from '../../../../coordinator/src/store/postgres/migrations.ts';
import { openPostgresStore } from '../../../../coordinator/src/store/postgres/store.ts';
import { openDatabase } from '../../../../coordinator/src/store/sqlite/db.ts';
import { MIGRATIONS } from '../../../../coordinator/src/store/sqlite/migrations.ts';
import { openSqliteStore } from '../../../../coordinator/src/store/sqlite/store.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { sharedPostgres } from '../../../support/postgres.ts';
import { applyEvent, FakeSender, fakeClock, outcome, seed } from '../scheduler/seed.ts';
import { forEachStore, numberPlaceholders, type StoreKind, type TestStore } from './harness.ts';

interface RawProgress {
  total: number | null;
  pending: number | null;
  in_flight: number | null;
  succeeded: number | null;
}

function toProgress(r: RawProgress | undefined): Progress {
  const p: Progress = { total: r?.total ?? 0, pending: r?.pending ?? 0, inFlight: r?.in_flight ?? 0, succeeded: r?.succeeded ?? 0, failed: 0 };
  p.failed = p.total - p.pending - p.inFlight - p.succeeded;
  return p;
}

/** The deployment's counts from the counters the store's triggers keep (migration 4). */
async function progressOf(db: TestStore, deploymentId: string): Promise<Progress> {
  const sql = `SELECT SUM(total) AS total, SUM(pending) AS pending, SUM(in_flight) AS in_flight, SUM(succeeded) AS succeeded
    FROM deployment_progress WHERE deployment_id = ?`;
  return toProgress((await db.get(sql, deploymentId)) as RawProgress | undefined);
}

/** The same counts for one step. */
async function stepProgressOf(db: TestStore, deploymentId: string, step: number): Promise<Progress> {
  const sql = 'SELECT total, pending, in_flight, succeeded FROM deployment_progress WHERE deployment_id = ? AND step = ?';
  return toProgress((await db.get(sql, deploymentId, step)) as RawProgress | undefined);
}

/** The counts recomputed from the target rows, as progressOf computed them before migration 4. */
async function counted(db: TestStore, deploymentId: string, step?: number): Promise<Progress> {
  const rows = (await db.all(`SELECT status FROM deployment_targets WHERE deployment_id = ? AND (step = ? OR ? < 0)`, deploymentId, step ?? -1, step ?? -1)) as { status: string }[];
  const p: Progress = { total: rows.length, pending: 0, inFlight: 0, succeeded: 0, failed: 0 };
  for (const { status } of rows) {
    if (status === 'Pending') p.pending += 1;
    else if (status === 'InProgress' || status === 'WaitingForAgent') p.inFlight += 1;
    else if (status === 'Succeeded') p.succeeded += 1;
    else p.failed += 1;
  }
  return p;
}

forEachStore('store progress counters', (current, kind) => {
  let db: TestStore;
  let store: Store;
  let sender: FakeSender;
  let scheduler: Scheduler;
  let id: string;

  beforeEach(async () => {
    db = current();
    store = db.store;
    const s = await seed(db, 4);
    sender = new FakeSender();
    scheduler = new Scheduler({ store, clock: fakeClock(), logger: silentLogger(), hub: sender });
    id = await scheduler.createDeployment({
      applicationId: s.applicationId,
      deploymentGroupId: s.deploymentGroupId,
      revisionId: s.revisionId,
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      fileExistsBehavior: 'OVERWRITE',
      ignoreApplicationStopFailures: false,
      parameters: {},
      creator: 'admin',
    });
  });

  it('counts a new deployment with its first batch in flight and the rest pending', async () => {
    assert.deepEqual(await progressOf(db, id), { total: 4, pending: 2, inFlight: 2, succeeded: 0, failed: 0 });
  });

  it('matches a fresh count of the rows after hosts succeed and fail', async () => {
    const [first, second] = sender.sent;
    if (!first || !second) throw new Error('expected two commands');
    await applyEvent(store, scheduler, first.instanceId, outcome(first.command, 'Succeeded'));
    await store.transaction((tx) => tx.targets.fail({ deploymentId: id, instanceId: second.instanceId }, 'UnknownError', 'gone', '2025-01-01T00:00:00.000Z'));
    assert.deepEqual(await progressOf(db, id), await counted(db, id));
    assert.equal((await progressOf(db, id)).failed, 1);
  });

  it('matches a fresh count per step', async () => {
    assert.deepEqual(await stepProgressOf(db, id, 1), await counted(db, id, 1));
    assert.deepEqual(await stepProgressOf(db, id, 2), await counted(db, id, 2));
  });

  it('leaves the counts as they are when an update changes no status', async () => {
    const before = await progressOf(db, id);
    await db.run('UPDATE deployment_targets SET updated_at = ? WHERE deployment_id = ?', '2025-06-01T00:00:00.000Z', id);
    assert.deepEqual(await progressOf(db, id), before);
  });

  it('drops a deleted target from the counts', async () => {
    await db.run(`DELETE FROM target_events WHERE deployment_id = ? AND instance_id = 'i-HOST0003'`, id);
    await db.run(`DELETE FROM deployment_targets WHERE deployment_id = ? AND instance_id = 'i-HOST0003'`, id);
    assert.deepEqual(await progressOf(db, id), await counted(db, id));
  });

  it('reports zero counts for an unknown deployment', async () => {
    assert.deepEqual(await progressOf(db, 'd-NONE'), { total: 0, pending: 0, inFlight: 0, succeeded: 0, failed: 0 });
  });

  it('fills the counters from the rows of a store written before migration 4', async () => {
    const old = await storeBeforeMigration4(kind);
    try {
      const s = await seed(old.db, 3);
      await old.db.run(
        `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status,
           creator, file_exists_behavior, ignore_application_stop_failures, parameters, created_at)
         VALUES ('d-OLD', ?, ?, ?, 'CodeDeployDefault.AllAtOnce', 'InProgress', 'admin', 'DISALLOW', 0, '{}', '2024-01-01T00:00:00Z')`,
        s.applicationId,
        s.deploymentGroupId,
        s.revisionId,
      );
      for (const [i, status] of ['Succeeded', 'Failed', 'InProgress'].entries()) {
        await old.db.run('INSERT INTO deployment_targets (deployment_id, instance_id, position, status) VALUES (?, ?, ?, ?)', 'd-OLD', s.instanceIds[i], i, status);
      }
      const migrated = await old.migrate();
      assert.deepEqual(await progressOf(migrated, 'd-OLD'), { total: 3, pending: 0, inFlight: 1, succeeded: 1, failed: 1 });
    } finally {
      await old.cleanup();
    }
  });
});

/** A store of `kind` at schema version 3, to seed with plain SQL; `migrate()` brings it up to date. */
async function storeBeforeMigration4(kind: StoreKind): Promise<{ db: TestStore; migrate(): Promise<TestStore>; cleanup(): Promise<void> }> {
  const v3 = MIGRATIONS.filter((m) => m.version <= 3);
  if (kind === 'sqlite') {
    const fresh = await import('./harness.ts').then((h) => h.openTestStore('sqlite'));
    const file = (fresh.store as ReturnType<typeof openSqliteStore>).db.name;
    await fresh.store.close();
    const raw = openDatabase(file, v3);
    const db: TestStore = { ...fresh, run: async (sql, ...a) => raw.prepare(sql).run(...a.map((v) => v ?? null)).changes };
    return {
      db,
      migrate: async () => {
        raw.close();
        const store = openSqliteStore(file);
        return { ...fresh, store, get: async (sql, ...a) => store.db.prepare(sql).get(...a.map((v) => v ?? null)) as never };
      },
      cleanup: async () => {
        if (raw.open) raw.close();
        await fresh.cleanup();
      },
    };
  }
  const server = await sharedPostgres();
  const name = await server.createDatabase();
  const pool = openPool(server.url(name), { max: 2 });
  await migrate(pool, [{ track: 'store', migrations: PG_MIGRATIONS.filter((m) => m.version <= 3) }]);
  const run = async (sql: string, ...a: (string | number | null | undefined)[]) => (await pool.query(numberPlaceholders(sql), a.map((v) => v ?? null))).rowCount ?? 0;
  let opened: Store | undefined;
  return {
    db: { kind, store: undefined as never, run, get: async () => undefined, all: async () => [], cleanup: async () => undefined },
    migrate: async () => {
      await pool.end();
      const store = await openPostgresStore(server.url(name), { max: 2 });
      opened = store;
      return { kind, store, run, get: async (sql, ...a) => (await store.pool.query(numberPlaceholders(sql), a.map((v) => v ?? null))).rows[0], all: async () => [], cleanup: async () => undefined };
    },
    cleanup: async () => {
      await opened?.close();
      await server.admin(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}
