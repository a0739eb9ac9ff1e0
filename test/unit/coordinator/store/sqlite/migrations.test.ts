import assert from 'node:assert/strict';
import path from 'node:path';
import { openDatabase } from '../../../../../coordinator/src/store/sqlite/db.ts';
import { MIGRATIONS } from '../../../../../coordinator/src/store/sqlite/migrations.ts';
import { tempDir } from '../../api/harness.ts';

describe('store/sqlite migrations of stores from earlier versions', () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir()));
  afterEach(() => remove());

  it('7: resolves instance names to ids where one host has the name, and keeps earlier registration tokens permissive', () => {
    const file = path.join(dir, 'coordinator.db');
    const v6 = openDatabase(file, MIGRATIONS.filter((m) => m.version <= 6));
    const host = (id: string, name: string) => v6.prepare("INSERT INTO instances (instance_id, hostname, public_key, tags, registered_at) VALUES (?, ?, 'k', '{}', 'x')").run(id, name);
    host('i-DB0000001', 'db-1');
    host('i-TWIN00001', 'twin');
    host('i-TWIN00002', 'twin');
    v6.prepare("INSERT INTO applications (application_id, name, created_at) VALUES ('a-APP000001', 'shop', 'x')").run();
    v6.prepare(`INSERT INTO deployment_groups (deployment_group_id, application_id, name, tag_filters, deployment_config_name, created_at, instance_names)
      VALUES ('dg-GROUP0001', 'a-APP000001', 'web', '[]', 'CodeDeployDefault.OneAtATime', 'x', ?)`).run(JSON.stringify(['db-1', 'twin', 'i-TWIN00002', 'nobody']));
    v6.prepare("INSERT INTO registration_tokens (token_id, hash, expires_at, max_uses, uses, tags, created_at) VALUES ('rt-OLD00001', 'h', 'x', 1, 0, '{}', 'x')").run();
    v6.close();
    const db = openDatabase(file);
    const names = JSON.parse((db.prepare('SELECT instance_names FROM deployment_groups').get() as { instance_names: string }).instance_names) as string[];
    assert.deepEqual([...names].sort(), ['i-DB0000001', 'i-TWIN00002', 'nobody', 'twin'].sort());
    assert.equal((db.prepare('SELECT allow_tag_keys FROM registration_tokens').get() as { allow_tag_keys: string }).allow_tag_keys, '["*"]');
    db.close();
  });

  it('14: a store of migrations 1-13 (main before traffic control) with a deployment under way gains traffic control, its progress counters intact, and Ready counts as done', () => {
    const file = path.join(dir, 'coordinator.db');
    const older = openDatabase(file, MIGRATIONS.filter((m) => m.version <= 13));
    older.prepare("INSERT INTO applications (application_id, name, created_at) VALUES ('a-APP000001', 'shop', 'x')").run();
    older.prepare("INSERT INTO revisions (revision_id, application_id, sha256, size, bundle_type, created_at) VALUES ('r-REV000001', 'a-APP000001', 'aa', 1, 'tgz', 'x')").run();
    older.prepare(`INSERT INTO deployment_groups (deployment_group_id, application_id, name, tag_filters, deployment_config_name, created_at)
      VALUES ('dg-GROUP0001', 'a-APP000001', 'web', '[]', 'CodeDeployDefault.OneAtATime', 'x')`).run();
    older.prepare(`INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status, creator, file_exists_behavior,
      ignore_application_stop_failures, parameters, created_at) VALUES ('d-DEPLOY001', 'a-APP000001', 'dg-GROUP0001', 'r-REV000001', 'CodeDeployDefault.OneAtATime', 'InProgress', 'user', 'DISALLOW', 0, '{}', 'x')`).run();
    const statuses = ['Succeeded', 'InProgress', 'Pending', 'Pending'];
    for (const [i, status] of statuses.entries()) {
      older.prepare("INSERT INTO instances (instance_id, hostname, public_key, tags, registered_at) VALUES (?, ?, 'k', '{}', 'x')").run(`i-HOST0000${i}`, `host-${i}`);
      older.prepare('INSERT INTO deployment_targets (deployment_id, instance_id, position, status) VALUES (?, ?, ?, ?)').run('d-DEPLOY001', `i-HOST0000${i}`, i, status);
    }
    older.close();
    const db = openDatabase(file);
    const progress = () => db.prepare('SELECT total, pending, in_flight, succeeded FROM deployment_progress WHERE deployment_id = ?').get('d-DEPLOY001');
    assert.deepEqual(progress(), { total: 4, pending: 2, in_flight: 1, succeeded: 1 });
    assert.deepEqual(db.prepare('SELECT label FROM deployment_targets WHERE instance_id = ?').get('i-HOST00001'), { label: null });
    for (const table of ['group_traffic', 'traffic_ops', 'traffic_hosts', 'blue_green_deployments']) {
      assert.deepEqual(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get(), { n: 0 }, table);
    }
    // The recreated triggers: a host waiting for traffic (Ready) is done for the rollout's pacing.
    db.prepare("UPDATE deployment_targets SET status = 'Ready' WHERE instance_id = 'i-HOST00001'").run();
    assert.deepEqual(progress(), { total: 4, pending: 2, in_flight: 0, succeeded: 2 });
    db.prepare("UPDATE deployment_targets SET status = 'InProgress' WHERE instance_id = 'i-HOST00002'").run();
    db.prepare("DELETE FROM deployment_targets WHERE instance_id = 'i-HOST00003'").run();
    assert.deepEqual(progress(), { total: 3, pending: 0, in_flight: 1, succeeded: 2 });
    db.close();
  });
  it('15: a store at version 13 (before traffic and health) gains the health tables, keeps its groups and takes their health', () => {
    const file = path.join(dir, 'coordinator.db');
    const v13 = openDatabase(file, MIGRATIONS.filter((m) => m.version <= 13));
    v13.prepare("INSERT INTO applications (application_id, name, created_at) VALUES ('a-APP000001', 'shop', 'x')").run();
    v13.prepare(`INSERT INTO deployment_groups (deployment_group_id, application_id, name, tag_filters, deployment_config_name, created_at)
      VALUES ('dg-GROUP0001', 'a-APP000001', 'web', '[]', 'CodeDeployDefault.OneAtATime', 'x')`).run();
    v13.close();
    const db = openDatabase(file);
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS[MIGRATIONS.length - 1]?.version);
    assert.equal((db.prepare('SELECT name FROM deployment_groups').get() as { name: string }).name, 'web');
    db.prepare("INSERT INTO group_health (deployment_group_id, alarm_configuration) VALUES ('dg-GROUP0001', '{}')").run();
    assert.throws(() => db.prepare("INSERT INTO group_health (deployment_group_id) VALUES ('dg-NOSUCH001')").run(), /FOREIGN KEY/);
    db.close();
  });

  it('numbers migrations in increasing order, so each runs once whatever version a store is at', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
    assert.equal(new Set(versions).size, versions.length);
  });
});
