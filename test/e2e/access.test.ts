/**
 * Who may do what, end to end: named API tokens made and revoked with the CLI against a real
 * coordinator, scopes and roles refused with the missing permission, registration tokens
 * revoked, a host deregistered, and the audit log read, checked and found broken after a row is
 * deleted from the coordinator's database behind its back.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../../common/src/sqlite.ts';
import { Cluster } from './cluster.ts';

describe('who may do what end to end (tokens, scopes, audit)', function () {
  this.timeout(90_000);
  const cluster = new Cluster();
  let ciSecret = '';
  const revision = path.join(cluster.dir, 'revision');

  before(async () => {
    await cluster.start();
    for (const name of ['web', 'api']) assert.equal((await cluster.api('POST', '/v1/applications', { name })).status, 201);
    mkdirSync(revision, { recursive: true });
    writeFileSync(path.join(revision, 'appspec.yml'), 'version: 0.0\nos: linux\n');
  });
  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
  });

  it('creates a scoped deployer token whose secret is printed once and never listed', async () => {
    const made = await cluster.cli(['tokens', 'api', 'create', '--name', 'ci-web', '--role', 'deployer', '--application', 'web', '--ttl', '90d']);
    assert.equal(made.code, 0, made.stderr);
    ciSecret = made.stdout.trim();
    assert.match(ciSecret, /^dh_[A-Za-z0-9_-]{40,}$/);
    assert.match(made.stderr, /API token ci-web \(deployer\) created/);
    const list = await cluster.cli(['tokens', 'api', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ci-web\s+deployer\s+web\s+\*\s+admin\s+\S+\s+live until /m);
    assert.match(list.stdout, /^admin\s+admin\s+\*\s+\*/m);
    assert.ok(!list.stdout.includes(ciSecret), 'the secret is never listed');
    const json = await cluster.cli(['tokens', 'api', 'list', '--json']);
    assert.ok(!json.stdout.includes(ciSecret));
  });

  it('refuses bad token requests, naming what is wrong, and creates nothing', async () => {
    const role = await cluster.cli(['tokens', 'api', 'create', '--name', 'x', '--role', 'boss']);
    assert.equal(role.code, 2);
    assert.match(role.stderr, /--role must be one of viewer, deployer, operator, admin, got "boss"/);
    const app = await cluster.cli(['tokens', 'api', 'create', '--name', 'x', '--role', 'viewer', '--application', 'nope']);
    assert.equal(app.code, 1);
    assert.match(app.stderr, /no application named nope/);
    const dup = await cluster.cli(['tokens', 'api', 'create', '--name', 'ci-web', '--role', 'viewer']);
    assert.match(dup.stderr, /an API token named ci-web already exists/);
    const { body } = await cluster.api('GET', '/v1/api-tokens');
    assert.deepEqual(body.apiTokens.map((t: { name: string }) => t.name).sort(), ['admin', 'ci-web']);
  });

  it('lets the deployer push to its application, and refuses another application and an operator action with 403', async () => {
    const pushed = await cluster.cli(['push', revision, '--application', 'web', '--token', ciSecret]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const other = await cluster.cli(['push', revision, '--application', 'api', '--token', ciSecret]);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /token ci-web is limited to applications web, not application api/);
    const group = await cluster.cli(['groups', 'create', '--application', 'web', '--name', 'prod', '--token', ciSecret]);
    assert.notEqual(group.code, 0);
    assert.match(group.stderr, /token ci-web has the role deployer, which lacks the permission manage \(needed by operator, admin\)/);
    const groups = await cluster.api('GET', '/v1/applications/web/deployment-groups');
    assert.deepEqual(groups.body.deploymentGroups, [], 'the refused call created nothing');
  });

  it('refuses to revoke the last admin token, revokes ci-web, which then gets 401', async () => {
    const last = await cluster.cli(['tokens', 'api', 'revoke', 'admin']);
    assert.notEqual(last.code, 0);
    assert.match(last.stderr, /admin is the last admin token: create another admin token before revoking it/);
    const revoked = await cluster.cli(['tokens', 'api', 'revoke', 'ci-web']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /API token ci-web revoked at /);
    const after = await cluster.cli(['instances', '--token', ciSecret]);
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /API token ci-web was revoked at/);
  });

  it('lists and revokes a registration token, so no host can register with it', async () => {
    const made = await cluster.cli(['tokens', 'create', '--multi-use', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const { tokenId, token } = JSON.parse(made.stdout) as { tokenId: string; token: string };
    const list = await cluster.cli(['tokens', 'list']);
    assert.match(list.stdout, new RegExp(`^${tokenId}\\s+0/∞\\s+.*live until`, 'm'));
    assert.ok(!list.stdout.includes(token));
    assert.equal((await cluster.cli(['tokens', 'revoke', tokenId])).code, 0);
    assert.match((await cluster.cli(['tokens', 'list'])).stdout, new RegExp(`^${tokenId}\\s+.*revoked `, 'm'));
    const publicKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const register = await cluster.api('POST', '/v1/register', { token, publicKey, hostname: 'h' });
    assert.equal(register.status, 401);
    assert.match(register.body.error.message, new RegExp(`registration token ${tokenId} was revoked at`));
  });

  it('deregisters an offline host with instances deregister', async () => {
    const host = await cluster.registerHost({ role: 'web' });
    const out = await cluster.cli(['instances', 'deregister', host.instanceId]);
    assert.equal(out.code, 0, out.stderr);
    const { body } = await cluster.api('GET', '/v1/instances');
    assert.ok(!body.instances.some((i: { instanceId: string }) => i.instanceId === host.instanceId));
  });

  it('records who did what, without secrets, and reads it by actor', async () => {
    const out = await cluster.cli(['audit', '--json']);
    assert.equal(out.code, 0, out.stderr);
    const records = (JSON.parse(out.stdout) as { records: { actor: string; action: string; target?: string; outcome: string }[] }).records;
    const seen = records.map((r) => `${r.actor} ${r.action} ${r.target ?? ''} ${r.outcome}`);
    assert.ok(seen.includes('admin POST /v1/api-tokens ci-web 201'), seen.join('\n'));
    assert.ok(seen.includes('ci-web POST /v1/applications/:app/revisions web 201'), seen.join('\n'));
    assert.ok(seen.includes('ci-web POST /v1/applications/:app/revisions api 403 FORBIDDEN'), seen.join('\n'));
    assert.ok(seen.includes('admin DELETE /v1/api-tokens/:name admin 409 CONFLICT'), seen.join('\n'));
    assert.ok(seen.some((s) => /^instance:i-\S+ instance.register i-\S+ 201$/.test(s)), seen.join('\n'));
    assert.ok(seen.some((s) => /^admin instance.deregister i-\S+ 204$/.test(s)), seen.join('\n'));
    assert.ok(!out.stdout.includes(ciSecret) && !out.stdout.includes('dhr_'), 'no secret is recorded');
    const mine = await cluster.cli(['audit', '--actor', 'ci-web']);
    assert.match(mine.stdout, /^SEQ\s+AT\s+ACTOR/);
    assert.ok(mine.stdout.trim().split('\n').slice(1).every((line) => /\sci-web\s/.test(line)));
  });

  it('verifies the chain, and names the record deleted behind its back (exit 1)', async () => {
    const ok = await cluster.cli(['audit', 'verify']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^audit log intact: \d+ records, last hash [0-9a-f]{64}$/m);
    const db = openSqlite(path.join(cluster.dir, 'coordinator', 'coordinator.db'));
    try {
      db.prepare('DELETE FROM audit_log WHERE seq = 3').run();
    } finally {
      db.close();
    }
    const broken = await cluster.cli(['audit', 'verify']);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /audit log BROKEN at record 4: record 3 is missing \(deleted\?\): record 4 follows record 2/);
  });
});
