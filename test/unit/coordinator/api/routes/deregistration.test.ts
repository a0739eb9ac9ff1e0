import assert from 'node:assert/strict';
import { getInstance, insertInstance } from '../../../../../coordinator/src/store/sqlite/instances.ts';
import type { Db } from '../../../../../coordinator/src/store/sqlite/db.ts';
import { agentKeys, signedHeaders, startHarness, type Harness } from '../harness.ts';

const AT = '2030-01-01T00:00:00.000Z';

function addInstance(h: Harness, instanceId: string): ReturnType<typeof agentKeys> {
  const keys = agentKeys();
  insertInstance(h.db, { instanceId, hostname: instanceId, publicKey: keys.publicKeyPem, tags: {}, registeredAt: AT });
  return keys;
}

/** A deployment in `status` that targets `instanceId`, with one lifecycle event row. */
function addTarget(db: Db, instanceId: string, deploymentId: string, status: string): void {
  db.prepare("INSERT OR IGNORE INTO applications (application_id, name, created_at) VALUES ('a-1', 'app', ?)").run(AT);
  db.prepare(
    "INSERT OR IGNORE INTO deployment_groups (deployment_group_id, application_id, name, tag_filters, deployment_config_name, created_at) VALUES ('dg-1', 'a-1', 'g', '[]', 'CodeDeployDefault.AllAtOnce', ?)",
  ).run(AT);
  db.prepare(
    "INSERT OR IGNORE INTO revisions (revision_id, application_id, sha256, size, bundle_type, created_at) VALUES ('r-1', 'a-1', 'x', 1, 'tgz', ?)",
  ).run(AT);
  db.prepare(
    `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status, creator,
     file_exists_behavior, ignore_application_stop_failures, parameters, created_at)
     VALUES (?, 'a-1', 'dg-1', 'r-1', 'CodeDeployDefault.AllAtOnce', ?, 'admin', 'DISALLOW', 0, '{}', ?)`,
  ).run(deploymentId, status, AT);
  db.prepare("INSERT INTO deployment_targets (deployment_id, instance_id, position, status) VALUES (?, ?, 0, 'Succeeded')").run(deploymentId, instanceId);
  db.prepare("INSERT INTO target_events (deployment_id, instance_id, event, position, status) VALUES (?, ?, 'Install', 0, 'Succeeded')").run(deploymentId, instanceId);
}

describe('DELETE /v1/instances/:id', function () {
  let h: Harness;
  beforeEach(async function () {
    h = await startHarness();
  });
  afterEach(async function () {
    await h.close();
  });

  function signedDelete(instanceId: string, keys: ReturnType<typeof agentKeys>, target = instanceId) {
    const url = `/v1/instances/${target}`;
    return h.app.inject({ method: 'DELETE', url, headers: signedHeaders(instanceId, keys.privateKey, 'DELETE', url, h.clock.now()) });
  }

  it('lets an agent deregister itself with a signed request', async function () {
    const keys = addInstance(h, 'i-SELF000001');
    const res = await signedDelete('i-SELF000001', keys);
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(getInstance(h.db, 'i-SELF000001'), undefined);
  });

  it('refuses an agent deregistering another host', async function () {
    const keys = addInstance(h, 'i-SELF000001');
    addInstance(h, 'i-OTHER00001');
    const res = await signedDelete('i-SELF000001', keys, 'i-OTHER00001');
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error.message, /only its own instance/);
    assert.ok(getInstance(h.db, 'i-OTHER00001'));
  });

  it('lets an admin deregister any host, with its finished deployment records', async function () {
    addInstance(h, 'i-HOST000001');
    addTarget(h.db, 'i-HOST000001', 'd-DONE000001', 'Succeeded');
    const res = await h.app.inject({ method: 'DELETE', url: '/v1/instances/i-HOST000001', headers: h.auth });
    assert.equal(res.statusCode, 204, res.body);
    assert.deepEqual(h.db.prepare('SELECT COUNT(*) AS n FROM deployment_targets').get(), { n: 0 });
  });

  it('refuses while a deployment targeting the host is unfinished, changing nothing', async function () {
    addInstance(h, 'i-HOST000001');
    addTarget(h.db, 'i-HOST000001', 'd-RUNNING001', 'InProgress');
    const res = await h.app.inject({ method: 'DELETE', url: '/v1/instances/i-HOST000001', headers: h.auth });
    assert.equal(res.statusCode, 409);
    assert.match(res.json().error.message, /unfinished deployment\(s\) d-RUNNING001/);
    assert.ok(getInstance(h.db, 'i-HOST000001'));
  });

  it('refuses while the host is connected', async function () {
    addInstance(h, 'i-HOST000001');
    h.connected.add('i-HOST000001');
    const res = await h.app.inject({ method: 'DELETE', url: '/v1/instances/i-HOST000001', headers: h.auth });
    assert.equal(res.statusCode, 409);
    assert.match(res.json().error.message, /is connected: stop its agent/);
  });

  it('answers 404 for an unknown instance', async function () {
    const res = await h.app.inject({ method: 'DELETE', url: '/v1/instances/i-NOPE000001', headers: h.auth });
    assert.equal(res.statusCode, 404);
  });

  it('needs a token or a signature', async function () {
    addInstance(h, 'i-HOST000001');
    const res = await h.app.inject({ method: 'DELETE', url: '/v1/instances/i-HOST000001' });
    assert.equal(res.statusCode, 401);
    assert.ok(getInstance(h.db, 'i-HOST000001'));
  });
});
