import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { openSqlite } from '../../common/src/sqlite.ts';
import { damagePage, fileSha256 } from '../support/damage.ts';
import { appspec, makeTgz } from './bundles.ts';
import { Cluster, REPO_ROOT, type AgentProcess } from './cluster.ts';

const execFileP = promisify(execFile);
const COORDINATOR = path.join(REPO_ROOT, 'bin', 'deckhand-coordinator.js');

/** Runs `deckhand-coordinator ARGS` to its end: exit code and output. */
async function coordinatorCommand(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [COORDINATOR, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Starts a coordinator on `dataDir` and resolves once it listens (then stops it) or with its exit. */
function startOnce(dataDir: string, extra: string[] = []): Promise<{ code: number | null; stderr: string; listened: boolean }> {
  const child = spawn(process.execPath, [COORDINATOR, 'start', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...extra], {
    env: { ...process.env, DECKHAND_ADMIN_TOKEN: 'dh_e2e_admin_token_0123456789abcdef' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let listened = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    if (/listening on/.test(d.toString())) {
      listened = true;
      child.kill('SIGTERM');
    }
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr, listened })));
}

/** One row count of the store file `file`, read-only. */
function count(file: string, sql: string, ...args: unknown[]): number {
  const db = openSqlite(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get(...args) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('the coordinator store: checked at start, backed up online, restored while stopped (real processes)', function () {
  this.timeout(90_000);
  const cluster = new Cluster();
  const dataDir = path.join(cluster.dir, 'coordinator');
  const backup = path.join(cluster.dir, 'backup.db');
  let agent: AgentProcess;
  let deploymentId: string;

  before(async function () {
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', { name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }] });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    agent = await cluster.addAgent({ role: 'web' });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
  });

  it('backs up the store while the coordinator deploys: the copy opens and holds the deployment; restore is refused meanwhile', async () => {
    const upload = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz({
      'appspec.yml': appspec({ AfterInstall: 'scripts/wait.sh' }),
      'scripts/wait.sh': '#!/bin/sh\nwhile [ ! -f "$DECKHAND_ROOT/go" ]; do sleep 0.1; done\n',
      'site/index.html': 'v1\n',
    }));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const res = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId: upload.body.revisionId, deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    deploymentId = res.body.deploymentId as string;
    await cluster.waitForView(deploymentId, 'to run AfterInstall', (v) => v.targets[0]?.lifecycleEvents.some((e: any) => e.lifecycleEventName === 'AfterInstall' && e.status === 'InProgress'));

    const made = await coordinatorCommand(['backup', '--data-dir', dataDir, '--to', backup]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, new RegExp(`backup written to ${backup} \\(\\d+ bytes\\), checked with quick_check`));
    assert.match(made.stdout, /1 applications, 1 deployment groups, 1 revisions, 1 instances, 1 deployments, \d+ target events/);
    assert.equal(count(backup, "SELECT count(*) AS n FROM deployments WHERE deployment_id = ? AND status = 'InProgress'", deploymentId), 1);
    assert.equal(count(backup, "SELECT count(*) AS n FROM target_events WHERE deployment_id = ? AND event = 'AfterInstall' AND status = 'InProgress'", deploymentId), 1);

    const files = readdirSync(dataDir).sort();
    const storeSha = fileSha256(path.join(dataDir, 'store-id'));
    const refused = await coordinatorCommand(['restore', '--from', backup, '--data-dir', dataDir]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /restore failed: .*coordinator\.db is open in another process \(a running coordinator\?\): stop the coordinator, then restore/);
    assert.deepEqual(readdirSync(dataDir).sort(), files);
    assert.equal(fileSha256(path.join(dataDir, 'store-id')), storeSha);

    writeFileSync(path.join(agent.root, 'go'), '');
    assert.equal((await cluster.waitForDeployment(deploymentId)).status, 'Succeeded');
  });

  it('restores the backup once the coordinator is stopped, keeping the replaced store, and starts on it', async () => {
    await cluster.killCoordinator();
    const restored = await coordinatorCommand(['restore', '--from', backup, '--data-dir', dataDir]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /the replaced store was kept as .*coordinator\.db\.replaced-\d{8}T\d{6}Z/);
    const kept = readdirSync(dataDir).find((f) => /^coordinator\.db\.replaced-\d{8}T\d{6}Z$/.test(f));
    assert.ok(kept);
    await cluster.restartCoordinator();
    const { body } = await cluster.api('GET', `/v1/deployments/${deploymentId}`);
    assert.equal(body.deploymentId, deploymentId);
  });

  it('finishes, after the restore, the deployment that was running at the backup, and deploys again', async () => {
    // The agent sends again the events the restored store lacks (journal resynchronisation).
    assert.equal((await cluster.waitForDeployment(deploymentId, 30_000)).status, 'Succeeded');
    const upload = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz({
      'appspec.yml': appspec({}),
      'site/index.html': 'v2\n',
    }));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const res = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId: upload.body.revisionId, deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const view = await cluster.waitForDeployment(res.body.deploymentId, 30_000);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view));
  });

  describe('a store that is not the one expected is refused at start (exit 78)', () => {
    const other = path.join(cluster.dir, 'alone');

    it('refuses a store with a damaged page, naming the file and the problems, and keeps a copy', async () => {
      assert.equal((await startOnce(other)).listened, true);
      const file = path.join(other, 'coordinator.db');
      const db = openSqlite(file, { readonly: true });
      const root = (db.prepare("SELECT rootpage AS n FROM sqlite_schema WHERE name = 'api_tokens'").get() as { n: number }).n;
      db.close();
      for (const part of ['-wal', '-shm']) rmSync(`${file}${part}`, { force: true });
      damagePage(file, root);
      const sha = fileSha256(file);
      const run = await startOnce(other);
      assert.deepEqual([run.code, run.listened], [78, false], run.stderr);
      assert.match(run.stderr, new RegExp(`the coordinator store ${file} is damaged; the coordinator will not start on it`));
      assert.match(run.stderr, /Tree \d+ page \d+|malformed/);
      assert.match(run.stderr, /A copy of it as found was kept: .*coordinator\.db\.damaged-/);
      assert.equal(fileSha256(file), sha);
      const copy = readdirSync(other).find((f) => f.startsWith('coordinator.db.damaged-'));
      assert.equal(fileSha256(path.join(other, copy ?? 'missing')), sha);
    });

    it('refuses a store replaced by an empty file, and starts on a new store with --accept-new-store', async () => {
      const file = path.join(other, 'coordinator.db');
      for (const part of ['', '-wal', '-shm']) rmSync(`${file}${part}`, { force: true });
      writeFileSync(file, '');
      const run = await startOnce(other);
      assert.deepEqual([run.code, run.listened], [78, false], run.stderr);
      assert.match(run.stderr, /coordinator\.db is empty, but .*store-id says store st-\w+ lived here: the file was replaced/);
      const before = readFileSync(path.join(other, 'store-id'), 'utf8');
      assert.equal((await startOnce(other, ['--accept-new-store'])).listened, true);
      assert.notEqual(readFileSync(path.join(other, 'store-id'), 'utf8'), before);
      assert.ok(existsSync(file));
    });
  });
});
