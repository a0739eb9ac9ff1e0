/** `deckhand-agent appspec validate`, `preflight` and `local` archive types, as real processes. */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { c as tarCreate } from 'tar';
import { BUNDLES_DIR, copyBundle, runAgent } from './local-run.ts';

const APPSPEC_DIR = path.resolve(BUNDLES_DIR, '..', 'appspec');

describe('deckhand-agent revision tools', function () {
  this.timeout(30_000);
  let tmp: string;
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'deckhand-tools-'));
  });
  after(() => fs.rm(tmp, { recursive: true, force: true }));

  it('prints the normalized appspec as JSON and exits 0 for a valid one', async () => {
    const r = await runAgent(['appspec', 'validate', path.join(APPSPEC_DIR, 'full-linux.yml'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const spec = JSON.parse(r.stdout) as { version: string; os: string };
    assert.deepEqual([spec.version, spec.os], ['0.0', 'linux']);
  });

  it('exits 1 with one line per problem for an invalid appspec', async () => {
    const file = path.join(tmp, 'bad.yml');
    await fs.writeFile(file, 'version: 1\nos: Linux\n');
    const r = await runAgent(['appspec', 'validate', file]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.trim().split('\n').map((l) => l.split(' ')[0]), ['version', 'os']);
  });

  it('validates a windows appspec with --os windows', async () => {
    const r = await runAgent(['appspec', 'validate', path.join(APPSPEC_DIR, 'windows.yml'), '--os', 'windows']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('deploys a tgz bundle with local --type tgz', async () => {
    const dest = path.join(tmp, 'tgz-dest');
    const folder = await copyBundle('basic-linux', path.join(tmp, 'tgz'), dest);
    const file = path.join(tmp, 'basic.tgz');
    await tarCreate({ gzip: true, file, cwd: folder }, ['.']);
    const env = { CONFORMANCE_RECORD: path.join(tmp, 'tgz-record'), CONFORMANCE_DEST: dest };
    const r = await runAgent(['local', '--bundle-location', file, '--type', 'tgz', '--root', path.join(tmp, 'tgz-root')], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await fs.readFile(path.join(dest, 'www', 'index.html'), 'utf8'), '<h1>v1</h1>\n');
  });

  it('refuses a file given with --type directory and names the mismatch', async () => {
    const r = await runAgent(['local', '--bundle-location', path.join(tmp, 'basic.tgz'), '--type', 'directory', '--root', path.join(tmp, 'r2')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is a file, but --type is directory/);
  });

  it('preflight lists every DISALLOW conflict and runs nothing', async () => {
    const dest = path.join(tmp, 'pf-dest');
    const folder = await copyBundle('basic-linux', path.join(tmp, 'pf'), dest);
    await fs.mkdir(path.join(dest, 'www', 'css'), { recursive: true });
    await fs.writeFile(path.join(dest, 'www', 'index.html'), 'old');
    await fs.writeFile(path.join(dest, 'www', 'css', 'app.css'), 'old');
    const record = path.join(tmp, 'pf-record');
    const r = await runAgent(['preflight', '--bundle-location', folder, '--root', path.join(tmp, 'pf-root')], { CONFORMANCE_RECORD: record });
    assert.equal(r.code, 1);
    const conflicts = r.stderr.split('\n').filter((l) => l.startsWith('FAIL conflicts'));
    assert.equal(conflicts.length, 2, r.stderr);
    await assert.rejects(fs.stat(record), { code: 'ENOENT' });
    assert.equal(await fs.readFile(path.join(dest, 'www', 'index.html'), 'utf8'), 'old');
  });

  it('preflight names a missing script and a missing runas user', async () => {
    const dir = path.join(tmp, 'pf2');
    await fs.mkdir(dir, { recursive: true });
    const appspec = 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: scripts/gone.sh\n      runas: no-such-user-xyz\n';
    await fs.writeFile(path.join(dir, 'appspec.yml'), appspec);
    const r = await runAgent(['preflight', '--bundle-location', dir, '--root', path.join(tmp, 'pf2-root')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /FAIL scripts: AfterInstall: scripts\/gone\.sh is not in the revision/);
    assert.match(r.stderr, /FAIL runas: .*"no-such-user-xyz"/);
  });

  it('preflight passes a clean revision', async () => {
    const folder = await copyBundle('basic-linux', path.join(tmp, 'pf3'), path.join(tmp, 'pf3-dest'));
    const r = await runAgent(['preflight', '--bundle-location', folder, '--root', path.join(tmp, 'pf3-root')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /preflight passed/);
  });
});
