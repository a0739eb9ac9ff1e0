import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppSpec, FileMapping, PermissionSpec } from '../../../../agent/src/appspec/types.ts';
import { installRevision } from '../../../../agent/src/install/install.ts';
import { DeckhandError, type ErrorCode, type FileExistsBehavior } from '../../../../protocol/src/index.ts';

const DG = 'dg-TEST';

describe('installRevision', () => {
  let root: string;
  let destRoot: string;
  let instructionsDir: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
    destRoot = path.join(root, 'host');
    instructionsDir = path.join(root, 'deployment-instructions');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Writes a revision directory from a map of relative path → content. */
  function revision(name: string, files: Record<string, string>): string {
    const dir = path.join(root, name);
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
    return dir;
  }

  function spec(files: FileMapping[], extra: Partial<AppSpec> = {}): AppSpec {
    return { version: '0.0', os: 'linux', hooks: {}, files, permissions: [], ...extra };
  }

  function install(archiveDir: string, s: AppSpec, behavior: FileExistsBehavior = 'DISALLOW') {
    return installRevision({ archiveDir, spec: s, fileExistsBehavior: behavior, instructionsDir, deploymentGroupId: DG, destRoot });
  }

  const host = (p: string): string => path.join(destRoot, p);
  const read = (p: string): string => fs.readFileSync(host(p), 'utf8');
  const cleanupLines = (): string[] => fs.readFileSync(path.join(instructionsDir, `${DG}-cleanup`), 'utf8').split('\n');

  async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof DeckhandError, String(err));
      assert.equal(err.code, code, err.message);
      assert.match(err.message, pattern);
      return true;
    });
  }

  describe('copying', () => {
    it('copies a directory source\'s contents into the destination, creating missing ancestors', async () => {
      const rev = revision('r1', { 'site/index.html': 'v1', 'site/css/app.css': 'c' });
      await install(rev, spec([{ source: 'site', destination: '/srv/www' }]));
      assert.equal(read('srv/www/index.html'), 'v1');
      assert.equal(read('srv/www/css/app.css'), 'c');
    });

    it('copies a file source into the destination directory under its own name', async () => {
      const rev = revision('r1', { 'config/app.conf': 'port=1' });
      await install(rev, spec([{ source: 'config/app.conf', destination: '/etc/app' }]));
      assert.equal(read('etc/app/app.conf'), 'port=1');
    });

    it('copies the whole revision for source /', async () => {
      const rev = revision('r1', { 'appspec.yml': 'a', 'x/y': 'y' });
      await install(rev, spec([{ source: '/', destination: '/opt/app' }]));
      assert.deepEqual(fs.readdirSync(host('opt/app')).sort(), ['appspec.yml', 'x']);
    });

    it('keeps the source file mode', async () => {
      const rev = revision('r1', { 'bin/run': '#!/bin/sh\n' });
      fs.chmodSync(path.join(rev, 'bin/run'), 0o750);
      await install(rev, spec([{ source: 'bin', destination: '/opt/bin' }]));
      assert.equal(fs.statSync(host('opt/bin/run')).mode & 0o777, 0o750);
    });

    it('writes one absolute path per line in the cleanup file, ancestors first', async () => {
      const rev = revision('r1', { 'a.txt': 'a' });
      const { installed } = await install(rev, spec([{ source: 'a.txt', destination: '/srv/app' }]));
      assert.deepEqual(installed, [host('srv'), host('srv/app'), host('srv/app/a.txt')]);
      assert.deepEqual(cleanupLines(), [...installed, '']);
    });

    it('refuses two sources for the same destination file, naming it', async () => {
      const rev = revision('r1', { 'a/x.txt': 'a', 'b/x.txt': 'b' });
      const mappings = [{ source: 'a/x.txt', destination: '/out' }, { source: 'b/x.txt', destination: '/out' }];
      await rejectsWith(install(rev, spec(mappings)), 'INSTALL_CONFLICT', /a\/x\.txt and b\/x\.txt .*x\.txt/);
      assert.equal(fs.existsSync(host('out')), false);
    });

    it('fails clearly when a source is missing from the revision', async () => {
      const rev = revision('r1', { 'a.txt': 'a' });
      await rejectsWith(install(rev, spec([{ source: 'nope', destination: '/srv' }])), 'INSTALL_FAILED', /"nope" does not exist/);
    });
  });

  describe('a second revision', () => {
    it('removes files the new revision no longer has', async () => {
      await install(revision('r1', { 'site/a.html': '1', 'site/old.html': 'old' }), spec([{ source: 'site', destination: '/srv/www' }]));
      await install(revision('r2', { 'site/a.html': '2' }), spec([{ source: 'site', destination: '/srv/www' }]));
      assert.equal(read('srv/www/a.html'), '2');
      assert.equal(fs.existsSync(host('srv/www/old.html')), false);
    });

    it('removes directories left empty, and keeps ones holding files someone else put there', async () => {
      await install(revision('r1', { 'site/a/x': '1', 'site/b/y': '1' }), spec([{ source: 'site', destination: '/srv/www' }]));
      fs.writeFileSync(host('srv/www/b/foreign'), 'not ours');
      await install(revision('r2', { 'z.txt': 'z' }), spec([{ source: 'z.txt', destination: '/elsewhere' }]));
      assert.equal(fs.existsSync(host('srv/www/a')), false);
      assert.deepEqual(fs.readdirSync(host('srv/www/b')), ['foreign']);
    });
  });

  describe('file_exists_behavior', () => {
    const preexisting = (): void => {
      fs.mkdirSync(host('srv/app'), { recursive: true });
      fs.writeFileSync(host('srv/app/a.txt'), 'theirs');
    };
    const mapping = [{ source: 'a.txt', destination: '/srv/app' }];

    it('DISALLOW refuses a file that exists and was not installed by the previous revision, listing it', async () => {
      preexisting();
      await rejectsWith(install(revision('r1', { 'a.txt': 'ours' }), spec(mapping)), 'INSTALL_CONFLICT', /DISALLOW.*srv\/app\/a\.txt/);
      assert.equal(read('srv/app/a.txt'), 'theirs');
    });

    it('DISALLOW allows a second install over the files of the first', async () => {
      await install(revision('r1', { 'a.txt': '1' }), spec(mapping));
      await install(revision('r2', { 'a.txt': '2' }), spec(mapping));
      assert.equal(read('srv/app/a.txt'), '2');
    });

    it('a refused DISALLOW install leaves the previous revision intact', async () => {
      await install(revision('r1', { 'site/a.html': '1', 'site/b.html': '1' }), spec([{ source: 'site', destination: '/srv/www' }]));
      fs.writeFileSync(host('srv/foreign.txt'), 'not ours');
      const r2 = revision('r2', { 'site/a.html': '2', 'foreign.txt': 'clash' });
      const mappings = [{ source: 'site', destination: '/srv/www' }, { source: 'foreign.txt', destination: '/srv' }];
      await rejectsWith(install(r2, spec(mappings)), 'INSTALL_CONFLICT', /foreign\.txt/);
      assert.equal(read('srv/www/a.html'), '1');
      assert.equal(read('srv/www/b.html'), '1');
      assert.ok(cleanupLines().includes(host('srv/www/b.html')), 'the previous cleanup list is kept');
    });

    it('OVERWRITE replaces an existing file and records it for cleanup', async () => {
      preexisting();
      await install(revision('r1', { 'a.txt': 'ours' }), spec(mapping), 'OVERWRITE');
      assert.equal(read('srv/app/a.txt'), 'ours');
      assert.ok(cleanupLines().includes(host('srv/app/a.txt')));
    });

    it('OVERWRITE twice keeps the latest content', async () => {
      await install(revision('r1', { 'a.txt': '1' }), spec(mapping), 'OVERWRITE');
      await install(revision('r2', { 'a.txt': '2' }), spec(mapping), 'OVERWRITE');
      assert.equal(read('srv/app/a.txt'), '2');
    });

    it('RETAIN keeps an existing file and does not record it', async () => {
      preexisting();
      await install(revision('r1', { 'a.txt': 'ours' }), spec(mapping), 'RETAIN');
      assert.equal(read('srv/app/a.txt'), 'theirs');
      assert.ok(!cleanupLines().includes(host('srv/app/a.txt')));
    });

    it('RETAIN twice replaces the files it installed itself', async () => {
      await install(revision('r1', { 'a.txt': '1' }), spec(mapping), 'RETAIN');
      await install(revision('r2', { 'a.txt': '2' }), spec(mapping), 'RETAIN');
      assert.equal(read('srv/app/a.txt'), '2');
    });

    it('lets the appspec file_exists_behavior win over the deployment\'s', async () => {
      preexisting();
      await install(revision('r1', { 'a.txt': 'ours' }), spec(mapping, { fileExistsBehavior: 'OVERWRITE' }), 'DISALLOW');
      assert.equal(read('srv/app/a.txt'), 'ours');
    });
  });

  describe('destRoot containment', () => {
    it('refuses a destination that climbs above the root', async () => {
      await rejectsWith(install(revision('r1', { 'a.txt': 'a' }), spec([{ source: 'a.txt', destination: '/../../escape' }])), 'INSTALL_FAILED', /climbs above/);
      assert.equal(fs.existsSync(path.join(root, 'escape')), false);
    });

    it('refuses a destination reached through a symlink pointing outside the root', async () => {
      fs.mkdirSync(destRoot, { recursive: true });
      fs.mkdirSync(path.join(root, 'outside'));
      fs.symlinkSync(path.join(root, 'outside'), host('srv'));
      await rejectsWith(install(revision('r1', { 'a.txt': 'a' }), spec([{ source: 'a.txt', destination: '/srv/app' }])), 'INSTALL_FAILED', /outside the destination root/);
      assert.deepEqual(fs.readdirSync(path.join(root, 'outside')), []);
    });

    it('refuses a cleanup list naming paths outside the root', async () => {
      fs.mkdirSync(instructionsDir, { recursive: true });
      const victim = path.join(root, 'victim.txt');
      fs.writeFileSync(victim, 'keep me');
      fs.writeFileSync(path.join(instructionsDir, `${DG}-cleanup`), `${victim}\n`);
      await rejectsWith(install(revision('r1', { 'a.txt': 'a' }), spec([])), 'INSTALL_FAILED', /refusing to delete/);
      assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me');
    });

    it('refuses a source outside the revision', async () => {
      revision('secret', { 'key': 'k' });
      await rejectsWith(install(revision('r1', { 'a.txt': 'a' }), spec([{ source: '../secret', destination: '/x' }])), 'INSTALL_FAILED', /outside the revision/);
    });
  });

  describe('permissions', () => {
    const perm = (p: Partial<PermissionSpec>): PermissionSpec => ({ object: '/srv/www', pattern: '**', except: [], type: ['file', 'directory'], ...p });

    it('applies mode to the files this install created under the object', async () => {
      const rev = revision('r1', { 'site/index.html': 'x', 'site/css/a.css': 'y' });
      await install(rev, spec([{ source: 'site', destination: '/srv/www' }], { permissions: [perm({ mode: '0640', type: ['file'] })] }));
      assert.equal(fs.statSync(host('srv/www/index.html')).mode & 0o777, 0o640);
      assert.equal(fs.statSync(host('srv/www/css/a.css')).mode & 0o777, 0o640);
      assert.notEqual(fs.statSync(host('srv/www/css')).mode & 0o777, 0o640);
    });

    it('never touches a file that was already there', async () => {
      fs.mkdirSync(host('srv/www'), { recursive: true });
      fs.writeFileSync(host('srv/www/keep.txt'), 'k', { mode: 0o600 });
      const rev = revision('r1', { 'site/index.html': 'x' });
      await install(rev, spec([{ source: 'site', destination: '/srv/www' }], { permissions: [perm({ mode: '0644' })] }));
      assert.equal(fs.statSync(host('srv/www/keep.txt')).mode & 0o777, 0o600);
    });

    it('matches a non-** pattern against immediate children only, minus except', async () => {
      const rev = revision('r1', { 'site/bin-a': '1', 'site/bin-old': '2', 'site/lib': '3' });
      await install(rev, spec([{ source: 'site', destination: '/srv/www' }], { permissions: [perm({ pattern: 'bin*', except: ['bin-old'], mode: '700' })] }));
      assert.equal(fs.statSync(host('srv/www/bin-a')).mode & 0o777, 0o700);
      assert.notEqual(fs.statSync(host('srv/www/bin-old')).mode & 0o777, 0o700);
      assert.notEqual(fs.statSync(host('srv/www/lib')).mode & 0o777, 0o700);
    });

    it('sets the owner and group by id', async () => {
      const rev = revision('r1', { 'a.txt': 'x' });
      const uid = process.getuid?.() ?? 0;
      const gid = process.getgid?.() ?? 0;
      await install(rev, spec([{ source: 'a.txt', destination: '/srv/www' }], { permissions: [perm({ owner: String(uid), group: String(gid) })] }));
      assert.equal(fs.statSync(host('srv/www/a.txt')).uid, uid);
    });

    it('fails before changing anything when the owner is unknown', async () => {
      await install(revision('r1', { 'a.txt': '1' }), spec([{ source: 'a.txt', destination: '/srv/www' }]));
      const s2 = spec([{ source: 'a.txt', destination: '/srv/www' }], { permissions: [perm({ owner: 'no-such-user-dh' })] });
      await rejectsWith(install(revision('r2', { 'a.txt': '2' }), s2), 'INSTALL_FAILED', /unknown user "no-such-user-dh"/);
      assert.equal(read('srv/www/a.txt'), '1');
    });
  });
});
