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
