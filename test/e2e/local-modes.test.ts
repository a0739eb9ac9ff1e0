/**
 * Installed file modes and times per bundle type, through `deckhand-agent local` under umask
 * 027, as CodeDeploy gives them: tar keeps the archive's modes and times; zip follows unzip (a
 * Unix entry's mode and timestamp, a Windows entry 0666 less the umask); a directory is copied as
 * cp_r does (modes less the umask, the copy's times). Install then copies with preserve.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzip, makeDosEntry, makeZip, rawTar } from '../unit/agent/bundle/archives.ts';
import { runAgentWithUmask } from './local-run.ts';

const PAST = new Date('2001-02-03T04:05:06Z');
const APPSPEC = 'version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/app\n';

describe('deckhand-agent local: installed modes and times per bundle type', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deckhand-modes-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Deploys `bundle` of `type` under umask 027; returns the installed file's mode (octal) and mtime. */
  async function deploy(name: string, bundle: string, type: string): Promise<(rel: string) => { mode: string; mtimeMs: number }> {
    const dir = path.join(tmp, name);
    const r = await runAgentWithUmask(0o027, ['local', '-l', bundle, '-t', type, '--root', path.join(dir, 'root'), '--dest-root', path.join(dir, 'dest')]);
    assert.equal(r.code, 0, r.stderr);
    return (rel) => {
      const stat = fs.statSync(path.join(dir, 'dest', 'srv', 'app', rel));
      return { mode: (stat.mode & 0o7777).toString(8), mtimeMs: stat.mtimeMs };
    };
  }

  it("tgz: the archive's exact modes and times", async () => {
    const file = path.join(tmp, 'b.tgz');
    fs.writeFileSync(file, gzip(rawTar([
      { path: 'appspec.yml', body: APPSPEC },
      { path: 'app/run.sh', body: '#!/bin/sh\n', mode: 0o775, mtime: PAST },
      { path: 'app/conf.txt', body: 'x', mode: 0o664, mtime: PAST },
    ])));
    const installed = await deploy('tgz', file, 'tgz');
    assert.deepEqual(installed('run.sh'), { mode: '775', mtimeMs: PAST.getTime() });
    assert.deepEqual(installed('conf.txt'), { mode: '664', mtimeMs: PAST.getTime() });
  });

  it("zip: unzip's modes and times, for a Unix entry and a Windows one", async () => {
    let zip = await makeZip([
      { name: 'appspec.yml', body: APPSPEC },
      { name: 'app/run.sh', body: '#!/bin/sh\n', mode: 0o100775, mtime: PAST },
      { name: 'app/win.txt', body: 'w', mtime: PAST },
    ]);
    zip = makeDosEntry(zip, 'app/win.txt', false);
    const file = path.join(tmp, 'b.zip');
    fs.writeFileSync(file, zip);
    const installed = await deploy('zip', file, 'zip');
    assert.deepEqual(installed('run.sh'), { mode: '775', mtimeMs: PAST.getTime() });
    assert.equal(installed('win.txt').mode, '640');
  });

  it('directory: modes less the umask and the time of the copy, as cp_r', async () => {
    const src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'app'), { recursive: true });
    fs.writeFileSync(path.join(src, 'appspec.yml'), APPSPEC);
    fs.writeFileSync(path.join(src, 'app', 'run.sh'), '#!/bin/sh\n');
    fs.chmodSync(path.join(src, 'app', 'run.sh'), 0o775);
    fs.utimesSync(path.join(src, 'app', 'run.sh'), PAST, PAST);
    const before = Date.now();
    const installed = await deploy('dir', src, 'directory');
    assert.equal(installed('run.sh').mode, '750');
    assert.ok(installed('run.sh').mtimeMs >= before - 1000);
  });
});
