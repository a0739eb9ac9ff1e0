/**
 * `deckhand-agent local` as a drop-in for codedeploy-local, as real processes: the eleven events
 * with the traffic hooks, --events semantics, unknown events at Install, codedeploy-local's options
 * and defaults, --json; and the unknown-hook warnings of `appspec validate` and `preflight`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { requireRoot, requireTool } from '../support/requirements.ts';
import { runAgent } from './local-run.ts';

/** A hook that appends `<event> <deployment id> <application> <group id> <archive dir>` to $RECORD. */
const RECORD = '#!/bin/sh\necho "$LIFECYCLE_EVENT $DEPLOYMENT_ID $APPLICATION_NAME $DEPLOYMENT_GROUP_ID $DECKHAND_ARCHIVE_DIR" >> "$RECORD"\n';

const TRAFFIC_AND_IN_PLACE = [
  'BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop', 'BeforeInstall', 'AfterInstall',
  'ApplicationStart', 'ValidateService', 'BeforeAllowTraffic', 'AfterAllowTraffic',
];

/** Writes a directory revision whose hooks (event names) all run scripts/record.sh. */
async function revision(dir: string, hooks: readonly string[], appspecName = 'appspec.yml'): Promise<string> {
  await fs.mkdir(path.join(dir, 'scripts'), { recursive: true });
  await fs.writeFile(path.join(dir, 'scripts', 'record.sh'), RECORD, { mode: 0o755 });
  await fs.writeFile(path.join(dir, 'site.txt'), 'site\n');
  const lines = ['version: 0.0', 'os: linux', 'files:', '  - source: site.txt', '    destination: /srv/app', 'hooks:'];
  for (const event of hooks) lines.push(`  ${event}:`, '    - location: scripts/record.sh');
  await fs.writeFile(path.join(dir, appspecName), `${lines.join('\n')}\n`);
  return dir;
}

interface Recorded {
  event: string;
  deploymentId: string;
  application: string;
  groupId: string;
  archive: string;
}

async function recorded(file: string): Promise<Recorded[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').filter((l) => l !== '').map((line) => {
    const [event, deploymentId, application, groupId, archive] = line.split(' ') as [string, string, string, string, string];
    return { event, deploymentId, application, groupId, archive };
  });
}

describe('deckhand-agent local as codedeploy-local', function () {
  this.timeout(60_000);
  let tmp: string;
  let n = 0;
  /** A fresh case: its revision folder, root, dest root and record file. */
  async function fresh(hooks: readonly string[] = TRAFFIC_AND_IN_PLACE, appspecName?: string) {
    const dir = path.join(tmp, `case-${++n}`);
    const bundle = await revision(path.join(dir, 'bundle'), hooks, appspecName);
    const record = path.join(dir, 'record');
    const base = ['--root', path.join(dir, 'root'), '--dest-root', path.join(dir, 'dest')];
    return { dir, bundle, record, base, env: { RECORD: record } };
  }

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'deckhand-parity-'));
  });
  after(() => fs.rm(tmp, { recursive: true, force: true }));

  it("runs the traffic hooks in CodeDeploy's order, the block-traffic pair from the last successful revision", async () => {
    const c = await fresh();
    const first = await runAgent(['local', '-l', c.bundle, ...c.base], c.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /BeforeBlockTraffic Skipped .*no earlier successful revision/);
    const firstRun = await recorded(c.record);
    assert.deepEqual(firstRun.map((r) => r.event), TRAFFIC_AND_IN_PLACE.slice(3));
    await fs.rm(c.record);
    const second = await runAgent(['local', '-l', c.bundle, ...c.base], c.env);
    assert.equal(second.code, 0, second.stderr);
    const secondRun = await recorded(c.record);
    assert.deepEqual(secondRun.map((r) => r.event), TRAFFIC_AND_IN_PLACE);
    const firstArchive = firstRun[0]!.archive;
    assert.deepEqual(secondRun.slice(0, 3).map((r) => r.archive), [firstArchive, firstArchive, firstArchive]);
    assert.ok(secondRun.slice(3).every((r) => r.archive !== firstArchive && r.deploymentId === secondRun[0]!.deploymentId));
    assert.match(second.stdout, /AppSpec file valid\. Local deployment successful/);
  });

  it('runs only the --events given, in their order, after DownloadBundle and Install', async () => {
    const c = await fresh();
    const r = await runAgent(['local', '-l', c.bundle, '-e', 'BeforeAllowTraffic,ValidateService', ...c.base], c.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await recorded(c.record)).map((x) => x.event), ['BeforeAllowTraffic', 'ValidateService']);
    const ran = r.stdout.split('\n').filter((l) => / (Succeeded|Skipped|Failed) in /.test(l)).map((l) => l.trim().split(' ')[0]);
    assert.deepEqual(ran, ['DownloadBundle', 'Install', 'BeforeAllowTraffic', 'ValidateService']);
  });

  it('runs a custom event named in --events that the appspec defines', async () => {
    const c = await fresh(['BeforeInstall', 'WarmCaches']);
    const r = await runAgent(['local', '-l', c.bundle, '--events', 'BeforeInstall,Install,WarmCaches', ...c.base], c.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await recorded(c.record)).map((x) => x.event), ['BeforeInstall', 'WarmCaches']);
  });

  it("refuses a misordered --events list before anything runs, exit 1 with codedeploy-local's message", async () => {
    const c = await fresh();
    const r = await runAgent(['local', '-l', c.bundle, '-e', 'ApplicationStart,DownloadBundle', ...c.base], c.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The only events that can be specified before DownloadBundle are BeforeBlockTraffic,AfterBlockTraffic,ApplicationStop\. Please fix the order of your specified events: ApplicationStart,DownloadBundle/);
    assert.deepEqual(await recorded(c.record), []);
    await assert.rejects(fs.stat(path.join(c.dir, 'root', 'deployments')), { code: 'ENOENT' });
  });

  it('fails at Install on an appspec event it does not know, naming the closest event, and installs nothing', async () => {
    const c = await fresh(['BeforeInstall', 'AfterInstal']);
    const r = await runAgent(['local', '-l', c.bundle, ...c.base], c.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Deployment failed at Install: UnknownError/);
    assert.match(r.stderr, /appspec\.yml file contains unknown lifecycle events: \["AfterInstal"\]\. Did you mean AfterInstall/);
    assert.deepEqual((await recorded(c.record)).map((x) => x.event), ['BeforeInstall']);
    await assert.rejects(fs.stat(path.join(c.dir, 'dest', 'srv', 'app', 'site.txt')), { code: 'ENOENT' });
  });

  it('deploys the current directory by default, APPLICATION_NAME being the bundle location, under the -g group folder', async () => {
    const c = await fresh(['BeforeInstall']);
    const r = await runAgent(['local', '-g', 'grp-1234', '-d', 'Blue', ...c.base], c.env, c.bundle);
    assert.equal(r.code, 0, r.stderr);
    const [rec] = await recorded(c.record);
    assert.equal(rec?.application, c.bundle);
    assert.equal(rec?.groupId, 'grp-1234');
    assert.ok(rec?.archive.startsWith(path.join(c.dir, 'root', 'deployments', 'grp-1234', 'd-')), rec?.archive);
    assert.match(rec?.deploymentId ?? '', /^d-[A-Z0-9]{9}-local$/);
  });

  it('reads the appspec named with -A', async () => {
    const c = await fresh(['BeforeInstall'], 'deploy-spec.yml');
    const r = await runAgent(['local', '-l', c.bundle, '-A', 'deploy-spec.yml', ...c.base], c.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await recorded(c.record)).map((x) => x.event), ['BeforeInstall']);
  });

  it('prints one JSON object on stdout with --json, progress on stderr', async () => {
    const c = await fresh(['BeforeInstall']);
    const r = await runAgent(['local', '-l', c.bundle, '--json', ...c.base], c.env);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { status: string; events: Array<{ event: string; status: string }> };
    assert.equal(report.status, 'Succeeded');
    assert.equal(report.events.length, 11);
    assert.match(r.stderr, /BeforeInstall \.\.\./);
  });

  it('refuses an unquoted mode 0644, explaining the trap; --yaml-octal-modes codedeploy applies it as CodeDeploy does (0420); 0007 is taken as written', async () => {
    const c = await fresh([]);
    const spec = (mode: string) => `version: 0.0\nos: linux\nfiles:\n  - source: site.txt\n    destination: /srv/app\npermissions:\n  - object: /srv/app/site.txt\n    mode: ${mode}\n`;
    await fs.writeFile(path.join(c.bundle, 'appspec.yml'), spec('0644'));
    const refused = await runAgent(['local', '-l', c.bundle, ...c.base]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /unquoted mode 0644 is read by YAML 1\.1 as the octal number 420, so CodeDeploy applies it as 420/);
    const installed = path.join(c.dir, 'dest', 'srv', 'app', 'site.txt');
    await assert.rejects(fs.stat(installed), { code: 'ENOENT' });
    const codedeploy = await runAgent(['local', '-l', c.bundle, '--yaml-octal-modes', 'codedeploy', ...c.base]);
    assert.equal(codedeploy.code, 0, codedeploy.stderr);
    assert.equal((await fs.stat(installed)).mode & 0o7777, 0o420);
    const other = await fresh([]);
    await fs.writeFile(path.join(other.bundle, 'appspec.yml'), spec('0007'));
    const seven = await runAgent(['local', '-l', other.bundle, ...other.base]);
    assert.equal(seven.code, 0, seven.stderr);
    assert.equal((await fs.stat(path.join(other.dir, 'dest', 'srv', 'app', 'site.txt'))).mode & 0o7777, 0o007);
  });

  it('runs a runas hook as its user in the root the agent lays out', async function () {
    requireRoot(this, 'the test creates a user for runas');
    requireTool(this, 'setpriv', 'util-linux');
    const user = 'dh-runas-local';
    spawnSync('userdel', ['--remove', user], { stdio: 'ignore' });
    assert.equal(spawnSync('useradd', ['--create-home', user]).status, 0);
    try {
      const c = await fresh([]);
      // The test's temporary folders stand in for /var/lib: as open as it; the root inside is the agent's.
      for (let d = c.dir; d !== os.tmpdir() && d !== path.dirname(d); d = path.dirname(d)) await fs.chmod(d, 0o755);
      const hook = `#!/bin/sh\n[ "$(id -un)" = ${user} ] || exit 3\nif cat "$DECKHAND_ROOT/agent.db" >/dev/null 2>&1; then exit 5; fi\n`;
      await fs.writeFile(path.join(c.bundle, 'scripts', 'who.sh'), hook, { mode: 0o755 });
      await fs.writeFile(path.join(c.bundle, 'appspec.yml'), `version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: scripts/who.sh\n      runas: ${user}\n`);
      const r = await runAgent(['local', '-l', c.bundle, ...c.base]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    } finally {
      spawnSync('userdel', ['--remove', user], { stdio: 'ignore' });
    }
  });

  it('prints the version with --version', async () => {
    const r = await runAgent(['local', '--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+/);
  });

  it('appspec validate warns about a hook name that is no event, naming the closest; --strict refuses it', async () => {
    const c = await fresh(['BeforInstall']);
    const warned = await runAgent(['appspec', 'validate', c.bundle]);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /warning: hooks\.BeforInstall: BeforInstall is not a lifecycle event \(did you mean BeforeInstall\?\)/);
    const strict = await runAgent(['appspec', 'validate', c.bundle, '--strict']);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /did you mean BeforeInstall/);
  });

  it('preflight warns about the same name, fails on it with --strict, and answers in JSON with --json', async () => {
    const c = await fresh(['BeforInstall']);
    const r = await runAgent(['preflight', '-l', c.bundle, '--json', ...c.base]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { ok: boolean; warnings: string[] };
    assert.equal(report.ok, true);
    assert.match(report.warnings.join('\n'), /did you mean BeforeInstall/);
    const strict = await runAgent(['preflight', '-l', c.bundle, '--strict', ...c.base]);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /FAIL hooks: BeforInstall is not a lifecycle event/);
  });
});
