import assert from 'node:assert/strict';
import { silentLogger } from '../../../../../common/src/logger.ts';
import { Scheduler } from '../../../../../coordinator/src/scheduler/index.ts';
import type { Progress } from '../../../../../coordinator/src/scheduler/policy/minimum-healthy.ts';
import { openDatabase, type Db } from '../../../../../coordinator/src/store/sqlite/db.ts';
import { failTarget } from '../../../../../coordinator/src/store/sqlite/deployments/targets.ts';
import { MIGRATIONS } from '../../../../../coordinator/src/store/sqlite/migrations.ts';
import type { SqliteStore } from '../../../../../coordinator/src/store/sqlite/store.ts';
import { applyEvent, FakeSender, fakeClock, outcome, seed, tempStore } from '../../scheduler/seed.ts';

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
function progressOf(db: Db, deploymentId: string): Progress {
  const sql = `SELECT SUM(total) AS total, SUM(pending) AS pending, SUM(in_flight) AS in_flight, SUM(succeeded) AS succeeded
    FROM deployment_progress WHERE deployment_id = ?`;
  return toProgress(db.prepare(sql).get(deploymentId) as RawProgress | undefined);
}

/** The same counts for one step. */
function stepProgressOf(db: Db, deploymentId: string, step: number): Progress {
  const sql = 'SELECT total, pending, in_flight, succeeded FROM deployment_progress WHERE deployment_id = ? AND step = ?';
  return toProgress(db.prepare(sql).get(deploymentId, step) as RawProgress | undefined);
}

/** The counts recomputed from the target rows, as progressOf computed them before migration 4. */
function counted(db: Db, deploymentId: string, step?: number): Progress {
  const rows = db
    .prepare(`SELECT status FROM deployment_targets WHERE deployment_id = ? AND (? IS NULL OR step = ?)`)
    .all(deploymentId, step ?? null, step ?? null) as { status: string }[];
  const p: Progress = { total: rows.length, pending: 0, inFlight: 0, succeeded: 0, failed: 0 };
  for (const { status } of rows) {
    if (status === 'Pending') p.pending += 1;
    else if (status === 'InProgress' || status === 'WaitingForAgent') p.inFlight += 1;
    else if (status === 'Succeeded') p.succeeded += 1;
    else p.failed += 1;
  }
  return p;
}

describe('store/sqlite progress counters', () => {
  let db: Db;
  let store: SqliteStore;
  let cleanup: () => void;
  let file: string;
  let sender: FakeSender;
  let scheduler: Scheduler;
  let id: string;

  beforeEach(async () => {
    ({ store, db, cleanup } = tempStore());
    file = db.name;
    const s = seed(db, 4);
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
  afterEach(() => cleanup());

  it('counts a new deployment with its first batch in flight and the rest pending', () => {
    assert.deepEqual(progressOf(db, id), { total: 4, pending: 2, inFlight: 2, succeeded: 0, failed: 0 });
  });

  it('matches a fresh count of the rows after hosts succeed and fail', async () => {
    const [first, second] = sender.sent;
    if (!first || !second) throw new Error('expected two commands');
    await applyEvent(store, scheduler, first.instanceId, outcome(first.command, 'Succeeded'));
    failTarget(db, { deploymentId: id, instanceId: second.instanceId }, 'UnknownError', 'gone', '2025-01-01T00:00:00.000Z');
    assert.deepEqual(progressOf(db, id), counted(db, id));
    assert.equal(progressOf(db, id).failed, 1);
  });

  it('matches a fresh count per step', () => {
    assert.deepEqual(stepProgressOf(db, id, 1), counted(db, id, 1));
    assert.deepEqual(stepProgressOf(db, id, 2), counted(db, id, 2));
  });

  it('reads the same counts after the store is closed and opened again', () => {
    const before = progressOf(db, id);
    db.close();
    const reopened = openDatabase(file);
    try {
      assert.deepEqual(progressOf(reopened, id), before);
    } finally {
      reopened.close();
      db = openDatabase(file);
    }
  });

  it('drops a deleted target from the counts', () => {
    db.prepare(`DELETE FROM target_events WHERE deployment_id = ? AND instance_id = 'i-HOST0003'`).run(id);
    db.prepare(`DELETE FROM deployment_targets WHERE deployment_id = ? AND instance_id = 'i-HOST0003'`).run(id);
    assert.deepEqual(progressOf(db, id), counted(db, id));
  });

  it('reports zero counts for an unknown deployment', () => {
    assert.deepEqual(progressOf(db, 'd-NONE'), { total: 0, pending: 0, inFlight: 0, succeeded: 0, failed: 0 });
  });

  it('fills the counters from the rows of a store written before migration 4', () => {
    const old = tempStore();
    old.db.close();
    const v3 = openDatabase(old.db.name, MIGRATIONS.filter((m) => m.version <= 3));
    const s = seed(v3, 3);
    v3.prepare(
      `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status,
         creator, file_exists_behavior, ignore_application_stop_failures, parameters, created_at)
       VALUES ('d-OLD', ?, ?, ?, 'CodeDeployDefault.AllAtOnce', 'InProgress', 'admin', 'DISALLOW', 0, '{}', '2024-01-01T00:00:00Z')`,
    ).run(s.applicationId, s.deploymentGroupId, s.revisionId);
    ['Succeeded', 'Failed', 'InProgress'].forEach((status, i) =>
      v3.prepare('INSERT INTO deployment_targets (deployment_id, instance_id, position, status) VALUES (?, ?, ?, ?)').run('d-OLD', s.instanceIds[i], i, status),
    );
    v3.close();
    const migrated = openDatabase(old.db.name);
    try {
      assert.deepEqual(progressOf(migrated, 'd-OLD'), { total: 3, pending: 0, inFlight: 1, succeeded: 1, failed: 1 });
    } finally {
      migrated.close();
      old.cleanup();
    }
  });
});
