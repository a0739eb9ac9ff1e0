/**
 * The modes and times a revision's files get in the deployment archive, per bundle type, against
 * the tools the CodeDeploy agent uses: `tar -xpf`, `unzip -qo`, and Ruby's cp_r (as `cp -r`),
 * run on the same archive under the same (restrictive) umask.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyTree } from '../../../../agent/src/bundle/copy-tree.ts';
import { extractBundle } from '../../../../agent/src/bundle/extract.ts';
import { requireTool } from '../../../support/requirements.ts';
import { gzip, makeDosEntry, makeZip, rawTar } from './archives.ts';

const UMASK = 0o027;
const PAST = new Date('2001-02-03T04:05:06Z');

interface Meta {
  mode: string;
  mtime: number;
  atime: number;
}

function metaOf(file: string): Meta {
  const stat = fs.statSync(file);
  return { mode: (stat.mode & 0o7777).toString(8), mtime: stat.mtimeMs, atime: stat.atimeMs };
}

describe('modes and times of unpacked revisions', () => {
  let tmp: string;
  let umask: number;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-modes-'));
    umask = process.umask(UMASK);
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('tar and tgz', () => {
    const entries = [
      { path: 'bin/', type: 'Directory' as const, mode: 0o775 },
      { path: 'bin/run.sh', body: '#!/bin/sh\n', mode: 0o775, mtime: PAST },
      { path: 'conf.txt', body: 'x', mode: 0o640, mtime: PAST },
      { path: 'open.txt', body: 'y', mode: 0o666, mtime: PAST },
    ];

    it("keeps the archive's exact modes, the umask notwithstanding, and its modification times", async () => {
      const file = path.join(tmp, 'b.tgz');
      fs.writeFileSync(file, gzip(rawTar(entries)));
      await extractBundle({ file, type: 'tgz', dest: path.join(tmp, 'ours') });
      const ours = (rel: string) => metaOf(path.join(tmp, 'ours', rel));
      assert.deepEqual([ours('bin/run.sh').mode, ours('conf.txt').mode, ours('open.txt').mode], ['775', '640', '666']);
      assert.equal(ours('bin/run.sh').mtime, PAST.getTime());
    });

    it('gives each file the mode and modification time GNU tar -xpf gives it', async function () {
      requireTool(this, 'tar', 'tar');
      const file = path.join(tmp, 'b.tar');
      fs.writeFileSync(file, rawTar(entries));
      await extractBundle({ file, type: 'tar', dest: path.join(tmp, 'ours') });
      fs.mkdirSync(path.join(tmp, 'theirs'));
      execFileSync('tar', ['-xpf', file, '-C', path.join(tmp, 'theirs')]);
      for (const rel of ['bin/run.sh', 'conf.txt', 'open.txt']) {
        const [ours, theirs] = [metaOf(path.join(tmp, 'ours', rel)), metaOf(path.join(tmp, 'theirs', rel))];
        assert.deepEqual([ours.mode, ours.mtime], [theirs.mode, theirs.mtime], rel);
      }
    });
  });

  describe('zip', () => {
    async function zipOfEveryKind(): Promise<string> {
      let zip = await makeZip([
        { name: 'unix/run.sh', body: '#!/bin/sh\n', mode: 0o100775, mtime: PAST },
        { name: 'unix/conf.txt', body: 'x', mode: 0o100640, mtime: PAST, stored: true },
        { name: 'dos/plain.txt', body: 'y', mtime: PAST, dosTime: true },
        { name: 'dos/readonly.txt', body: 'z', mtime: PAST, dosTime: true },
      ]);
      zip = makeDosEntry(zip, 'dos/plain.txt', false);
      zip = makeDosEntry(zip, 'dos/readonly.txt', true);
      const file = path.join(tmp, 'b.zip');
      fs.writeFileSync(file, zip);
      return file;
    }

    it("keeps a Unix entry's mode exactly and its timestamp; a Windows entry gets 0666 or 0444 less the umask", async () => {
      const file = await zipOfEveryKind();
      await extractBundle({ file, type: 'zip', dest: path.join(tmp, 'ours') });
      const ours = (rel: string) => metaOf(path.join(tmp, 'ours', rel));
      assert.deepEqual(['unix/run.sh', 'unix/conf.txt', 'dos/plain.txt', 'dos/readonly.txt'].map((r) => ours(r).mode), ['775', '640', '640', '440']);
      assert.equal(ours('unix/run.sh').mtime, PAST.getTime());
    });

    it('gives each file the mode, modification and access times unzip gives it', async function () {
      requireTool(this, 'unzip', 'unzip', ['-v']);
      const file = await zipOfEveryKind();
      await extractBundle({ file, type: 'zip', dest: path.join(tmp, 'ours') });
      execFileSync('unzip', ['-qo', file, '-d', path.join(tmp, 'theirs')]);
      for (const rel of ['unix/run.sh', 'unix/conf.txt', 'dos/plain.txt', 'dos/readonly.txt']) {
        assert.deepEqual(metaOf(path.join(tmp, 'ours', rel)), metaOf(path.join(tmp, 'theirs', rel)), rel);
      }
    });
  });

  describe('directory', () => {
    it("copies as CodeDeploy's cp_r does: modes less the umask, new times, links as links", async function () {
      requireTool(this, 'cp', 'coreutils');
      const src = path.join(tmp, 'src');
      fs.mkdirSync(path.join(src, 'bin'), { recursive: true });
      fs.writeFileSync(path.join(src, 'bin', 'run.sh'), '#!/bin/sh\n', { mode: 0o775 });
      fs.chmodSync(path.join(src, 'bin', 'run.sh'), 0o775);
      fs.utimesSync(path.join(src, 'bin', 'run.sh'), PAST, PAST);
      fs.symlinkSync('bin/run.sh', path.join(src, 'link'));
      const before = Date.now();
      await copyTree(src, path.join(tmp, 'ours'));
      execFileSync('cp', ['-r', src, path.join(tmp, 'theirs')]);
      const ours = metaOf(path.join(tmp, 'ours', 'bin', 'run.sh'));
      assert.equal(ours.mode, '750');
      assert.equal(ours.mode, metaOf(path.join(tmp, 'theirs', 'bin', 'run.sh')).mode);
      assert.ok(ours.mtime >= before - 1000, 'the copy has the time it was made');
      assert.equal(fs.readlinkSync(path.join(tmp, 'ours', 'link')), 'bin/run.sh');
    });
  });
});
