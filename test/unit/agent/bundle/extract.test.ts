import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { create } from 'tar';
import { extractBundle, type ExtractLimits } from '../../../../agent/src/bundle/extract.ts';
import { DeckhandError, type BundleType, type ErrorCode } from '../../../../protocol/src/index.ts';
import { gzip, makeZip, patchZipName, rawTar, setZipLocalHeaderOffset, setZipUncompressedSize, type RawTarEntry } from './archives.ts';

describe('extractBundle', () => {
  let root: string;
  let deployDir: string;
  let dest: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
    deployDir = path.join(root, 'deploy');
    dest = path.join(deployDir, 'deployment-archive');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  async function extract(bytes: Buffer, type: BundleType, limits?: ExtractLimits) {
    const file = path.join(root, `bundle.${type}`);
    fs.writeFileSync(file, bytes);
    return extractBundle({ file, type, dest, ...(limits === undefined ? {} : { limits }) });
  }

  async function refused(bytes: Buffer, type: BundleType, code: ErrorCode, entry: string, limits?: ExtractLimits): Promise<void> {
    await assert.rejects(extract(bytes, type, limits), (err: unknown) => {
      assert.ok(err instanceof DeckhandError, String(err));
      assert.equal(err.code, code, err.message);
      assert.ok(err.message.includes(entry), `"${entry}" not named in: ${err.message}`);
      return true;
    });
    assert.deepEqual(fs.readdirSync(deployDir), [], 'nothing may be left next to dest');
    assert.deepEqual(fs.readdirSync(root).sort(), [`bundle.${type}`, 'deploy']);
  }

  const tar = (entries: RawTarEntry[]): Buffer => rawTar(entries);

  describe('tar and tgz', () => {
    it('extracts a tgz made by node-tar, keeping file modes', async () => {
      const src = path.join(root, 'src');
      fs.mkdirSync(path.join(src, 'scripts'), { recursive: true });
      fs.writeFileSync(path.join(src, 'appspec.yml'), 'version: 0.0\n');
      fs.writeFileSync(path.join(src, 'scripts', 'start.sh'), '#!/bin/sh\n', { mode: 0o755 });
      const file = path.join(root, 'bundle.tgz');
      await create({ file, gzip: true, cwd: src, portable: true }, ['.']);
      const counts = await extractBundle({ file, type: 'tgz', dest });
      assert.equal(fs.readFileSync(path.join(dest, 'appspec.yml'), 'utf8'), 'version: 0.0\n');
      assert.equal(fs.statSync(path.join(dest, 'scripts', 'start.sh')).mode & 0o111, 0o111);
      assert.equal(counts.bytes, 'version: 0.0\n'.length + '#!/bin/sh\n'.length);
    });

    it('extracts a plain tar', async () => {
      await extract(tar([{ path: 'appspec.yml', body: 'x' }, { path: 'a/b.txt', body: 'b' }]), 'tar');
      assert.equal(fs.readFileSync(path.join(dest, 'a', 'b.txt'), 'utf8'), 'b');
    });

    it('replaces what was at dest before', async () => {
      fs.mkdirSync(dest, { recursive: true });
      fs.writeFileSync(path.join(dest, 'stale.txt'), 'old');
      await extract(tar([{ path: 'appspec.yml', body: 'x' }]), 'tar');
      assert.deepEqual(fs.readdirSync(dest), ['appspec.yml']);
    });

    it('keeps a symlink that points inside the bundle', async () => {
      await extract(tar([{ path: 'lib/real.txt', body: 'r' }, { path: 'current', type: 'SymbolicLink', linkpath: 'lib/real.txt' }]), 'tar');
      assert.equal(fs.readFileSync(path.join(dest, 'current'), 'utf8'), 'r');
    });

    it('refuses an entry with .. segments', async () => {
      await refused(tar([{ path: 'ok.txt', body: 'ok' }, { path: '../evil.txt', body: 'x' }]), 'tar', 'BUNDLE_UNSAFE_PATH', '../evil.txt');
    });

    it('refuses an absolute entry path', async () => {
      await refused(gzip(tar([{ path: `${root}/abs.txt`, body: 'x' }])), 'tgz', 'BUNDLE_UNSAFE_PATH', `${root}/abs.txt`);
      assert.equal(fs.existsSync(path.join(root, 'abs.txt')), false);
    });

    it('refuses a symlink that points outside the bundle', async () => {
      await refused(tar([{ path: 'etc', type: 'SymbolicLink', linkpath: '../../etc' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'etc');
    });

    it('refuses a symlink with an absolute target', async () => {
      await refused(tar([{ path: 'passwd', type: 'SymbolicLink', linkpath: '/etc/passwd' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'passwd');
    });

    it('refuses a symlink whose target climbs after a name', async () => {
      const entries: RawTarEntry[] = [
        { path: 'here', type: 'SymbolicLink', linkpath: '.' },
        { path: 'up', type: 'SymbolicLink', linkpath: 'here/..' },
      ];
      await refused(tar(entries), 'tar', 'BUNDLE_UNSAFE_PATH', 'up');
    });

    it('refuses a file written through a symlink from the same bundle', async () => {
      const entries: RawTarEntry[] = [
        { path: 'sub/keep.txt', body: 'k' },
        { path: 'link', type: 'SymbolicLink', linkpath: 'sub' },
        { path: 'link/x.txt', body: 'x' },
      ];
      await refused(tar(entries), 'tar', 'BUNDLE_UNSAFE_PATH', 'link/x.txt');
    });

    it('refuses a hard link to a file outside the bundle', async () => {
      await refused(tar([{ path: 'shadow', type: 'Link', linkpath: '/etc/shadow' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'shadow');
    });

    it('accepts a hard link to a file extracted earlier', async () => {
      await extract(tar([{ path: 'a.txt', body: 'a' }, { path: 'b.txt', type: 'Link', linkpath: 'a.txt' }]), 'tar');
      assert.equal(fs.readFileSync(path.join(dest, 'b.txt'), 'utf8'), 'a');
    });

    it('refuses device nodes', async () => {
      await refused(tar([{ path: 'null', type: 'CharacterDevice' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'null');
    });

    it('refuses FIFOs', async () => {
      await refused(tar([{ path: 'pipe', type: 'FIFO' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'pipe');
    });

    it('refuses setuid files', async () => {
      await refused(tar([{ path: 'bin/su', body: 'x', mode: 0o4755 }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'bin/su');
    });

    it('refuses more entries than the limit', async () => {
      const entries = ['a', 'b', 'c', 'd'].map((p) => ({ path: p, body: p }));
      await refused(tar(entries), 'tar', 'BUNDLE_TOO_LARGE', 'd', { maxEntries: 3 });
    });

    it('refuses more bytes than the limit', async () => {
      const entries = [{ path: 'small', body: 'x'.repeat(60) }, { path: 'big', body: 'y'.repeat(60) }];
      await refused(gzip(tar(entries)), 'tgz', 'BUNDLE_TOO_LARGE', 'big', { maxBytes: 100 });
    });

    it('fails with BUNDLE_EXTRACT_FAILED on a file that is not a tar', async () => {
      await refused(Buffer.from('this is not a tarball at all'.repeat(40)), 'tar', 'BUNDLE_EXTRACT_FAILED', 'bundle.tar');
    });
  });

  describe('zip', () => {
    it('extracts files and directories, keeping the executable bit', async () => {
      const zip = await makeZip([
        { name: 'appspec.yml', body: 'v' },
        { name: 'scripts/', dir: true },
        { name: 'scripts/run.sh', body: '#!/bin/sh\n', mode: 0o100755 },
      ]);
      const counts = await extract(zip, 'zip');
      assert.equal(fs.statSync(path.join(dest, 'scripts', 'run.sh')).mode & 0o777, 0o755);
      assert.deepEqual(counts, { entries: 3, bytes: 1 + '#!/bin/sh\n'.length });
    });

    it('refuses an entry with .. segments', async () => {
      const zip = patchZipName(await makeZip([{ name: 'ok.txt', body: 'ok' }, { name: 'zz/evil.txt', body: 'x' }]), 'zz/evil.txt', '../evil.txt');
      await refused(zip, 'zip', 'BUNDLE_UNSAFE_PATH', '../evil.txt');
    });

    it('refuses a symlink entry that points outside the bundle', async () => {
      const zip = await makeZip([{ name: 'escape', body: '../../../etc', mode: 0o120777 }]);
      await refused(zip, 'zip', 'BUNDLE_UNSAFE_PATH', 'escape');
    });

    it('keeps a symlink entry that points inside the bundle', async () => {
      await extract(await makeZip([{ name: 'a.txt', body: 'a' }, { name: 'link', body: 'a.txt', mode: 0o120777 }]), 'zip');
      assert.equal(fs.readlinkSync(path.join(dest, 'link')), 'a.txt');
    });

    it('refuses setuid files', async () => {
      await refused(await makeZip([{ name: 'su', body: 'x', mode: 0o104755 }]), 'zip', 'BUNDLE_UNSAFE_PATH', 'su');
    });

    it('counts the bytes actually written against the limit', async () => {
      const zip = await makeZip([{ name: 'a', body: 'x'.repeat(80) }, { name: 'b', body: 'y'.repeat(80) }]);
      await refused(zip, 'zip', 'BUNDLE_TOO_LARGE', '"b"', { maxBytes: 100 });
    });

    it('fails with BUNDLE_EXTRACT_FAILED on a file that is not a zip', async () => {
      await refused(Buffer.from('not a zip'), 'zip', 'BUNDLE_EXTRACT_FAILED', 'zip');
    });

    it('extracts small, stored and large entries of one archive byte-exact', async () => {
      // Hex of random bytes: 1 MB inflated and over 500 KB deflated, too big to be read whole.
      const bodies = { 'small.txt': 'small\n'.repeat(100), 'stored.bin': crypto.randomBytes(5000), 'large.txt': crypto.randomBytes(500_000).toString('hex') };
      const zip = await makeZip([
        { name: 'small.txt', body: bodies['small.txt'] },
        { name: 'stored.bin', body: bodies['stored.bin'], stored: true },
        { name: 'large.txt', body: bodies['large.txt'] },
      ]);
      await extract(zip, 'zip');
      for (const [name, body] of Object.entries(bodies)) assert.ok(fs.readFileSync(path.join(dest, name)).equals(Buffer.from(body)), name);
    });

    it('refuses a small entry whose local header would lie past the end of the file, saying so', async () => {
      const zip = setZipLocalHeaderOffset(await makeZip([{ name: 'far', body: 'x' }]), 'far', 10_000_000);
      await refused(zip, 'zip', 'BUNDLE_EXTRACT_FAILED', 'past the end of the file');
    });

    it('refuses a small entry that inflates to less than its header declares', async () => {
      const zip = setZipUncompressedSize(await makeZip([{ name: 'short', body: 'x'.repeat(1000) }]), 'short', 2000);
      await refused(zip, 'zip', 'BUNDLE_EXTRACT_FAILED', '"short"');
    });
  });

  describe('leading-directory stripping', () => {
    it('makes a single top-level directory holding the appspec the root (tar)', async () => {
      await extract(tar([{ path: 'owner-repo-abc123/appspec.yml', body: 'x' }, { path: 'owner-repo-abc123/src/a.txt', body: 'a' }]), 'tar');
      assert.deepEqual(fs.readdirSync(dest).sort(), ['appspec.yml', 'src']);
    });

    it('makes a single top-level directory holding the appspec the root (zip)', async () => {
      await extract(await makeZip([{ name: 'site/APPSPEC.yml', body: 'x' }]), 'zip');
      assert.deepEqual(fs.readdirSync(dest), ['APPSPEC.yml']);
      assert.deepEqual(fs.readdirSync(deployDir), ['deployment-archive']);
    });

    it('keeps a single top-level directory without an appspec', async () => {
      await extract(tar([{ path: 'app/index.html', body: 'x' }]), 'tar');
      assert.deepEqual(fs.readdirSync(dest), ['app']);
    });

    it('keeps a top-level directory that has a sibling file', async () => {
      await extract(tar([{ path: 'app/appspec.yml', body: 'x' }, { path: 'README', body: 'r' }]), 'tar');
      assert.deepEqual(fs.readdirSync(dest).sort(), ['README', 'app']);
    });
  });

  describe('links after stripping the single top-level folder', () => {
    it('refuses top/esc -> .. that would point at the deployment folder once top/ becomes the root (tar)', async () => {
      const bundle = tar([
        { path: 'top/', type: 'Directory' },
        { path: 'top/appspec.yml', body: 'x' },
        { path: 'top/esc', type: 'SymbolicLink', linkpath: '..' },
      ]);
      await refused(bundle, 'tar', 'BUNDLE_UNSAFE_PATH', 'top/esc');
    });

    it('refuses top/esc -> .. that would point at the deployment folder once top/ becomes the root (zip)', async () => {
      const bundle = await makeZip([{ name: 'top/appspec.yml', body: 'x' }, { name: 'top/esc', body: '..', mode: 0o120777 }]);
      await refused(bundle, 'zip', 'BUNDLE_UNSAFE_PATH', 'top/esc');
    });

    it('refuses a link deeper down that climbs to the archive root (top/a/b/up -> ../../..)', async () => {
      const bundle = tar([{ path: 'top/appspec.yml', body: 'x' }, { path: 'top/a/b/up', type: 'SymbolicLink', linkpath: '../../..' }]);
      await refused(bundle, 'tar', 'BUNDLE_UNSAFE_PATH', 'top/a/b/up');
    });

    it('keeps links that stay inside the top-level folder', async () => {
      await extract(tar([{ path: 'top/appspec.yml', body: 'x' }, { path: 'top/lib/cur', type: 'SymbolicLink', linkpath: '..' }, { path: 'top/me', type: 'SymbolicLink', linkpath: '.' }]), 'tar');
      assert.equal(fs.readlinkSync(path.join(dest, 'lib', 'cur')), '..');
      assert.equal(fs.realpathSync(path.join(dest, 'lib', 'cur')), fs.realpathSync(dest));
    });

    it('keeps top/esc -> .. when nothing is stripped (the archive root is the revision)', async () => {
      await extract(tar([{ path: 'top/esc', type: 'SymbolicLink', linkpath: '..' }, { path: 'appspec.yml', body: 'x' }]), 'tar');
      assert.equal(fs.realpathSync(path.join(dest, 'top', 'esc')), fs.realpathSync(dest));
    });
  });

  describe('bounded names', () => {
    const deep = `${'a/'.repeat(200)}f`;
    const huge = `${'a/'.repeat(20_000)}f`;

    it('refuses a tar entry nested 200 folders deep, naming the depth', async () => {
      await refused(tar([{ path: 'appspec.yml', body: 'x' }, { path: deep, body: 'x' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'is 201 levels deep, more than the limit of 128');
    });

    it('refuses a zip entry nested 200 folders deep, naming the depth', async () => {
      await refused(await makeZip([{ name: deep, body: 'x' }]), 'zip', 'BUNDLE_UNSAFE_PATH', 'is 201 levels deep, more than the limit of 128');
    });

    it('refuses a tar entry with a 40 KB name (20,000 folders deep) at once', async () => {
      await refused(tar([{ path: huge, body: 'x' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'the name is 40001 bytes long, more than the limit of 4096');
    });

    it('refuses a zip entry with a 40 KB name (20,000 folders deep) at once', async () => {
      await refused(await makeZip([{ name: huge, body: 'x' }]), 'zip', 'BUNDLE_UNSAFE_PATH', 'the name is 40001 bytes long, more than the limit of 4096');
    });

    it('refuses a name longer than 4096 bytes', async () => {
      await refused(tar([{ path: `${'n'.repeat(200)}/`.repeat(21) + 'f', body: 'x' }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'the name is 4222 bytes long, more than the limit of 4096');
    });

    it('refuses a link target longer than 4096 bytes', async () => {
      await refused(tar([{ path: 'l', type: 'SymbolicLink', linkpath: 'x/'.repeat(3000) }]), 'tar', 'BUNDLE_UNSAFE_PATH', 'its link target is 6000 bytes long, more than the limit of 4096');
    });

    it('extracts a path 100 folders deep', async () => {
      await extract(tar([{ path: `${'d/'.repeat(100)}f`, body: 'deep' }]), 'tar');
      assert.equal(fs.readFileSync(path.join(dest, ...Array<string>(100).fill('d'), 'f'), 'utf8'), 'deep');
    });
  });
});
