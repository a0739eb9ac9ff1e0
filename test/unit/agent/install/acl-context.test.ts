import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppSpec, PermissionSpec } from '../../../../agent/src/appspec/types.ts';
import { installRevision } from '../../../../agent/src/install/install.ts';
import { hostToolEnv, type ToolEnv } from '../../../../agent/src/install/tools.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import { requireTool } from '../../../support/requirements.ts';

/** Real setfacl/getfacl on real files (Debian package `acl`); the user `nobody` is the named entry. */
describe('installRevision: acls and SELinux contexts', () => {
  let root = '';
  let destRoot: string;

  beforeEach(function () {
    // The missing-tool cases below fake an empty PATH and need nothing installed.
    if (!/is missing|not available/.test(this.currentTest?.title ?? '')) requireTool(this, 'setfacl', 'acl');
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-acl-'));
    destRoot = path.join(root, 'host');
  });
  afterEach(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
    root = '';
  });

  function revision(name: string, files: Record<string, string>): string {
    const dir = path.join(root, name);
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
    return dir;
  }

  const perm = (p: Partial<PermissionSpec>): PermissionSpec => ({ object: '/srv/www', pattern: '**', except: [], type: ['file', 'directory'], ...p });

  function install(archiveDir: string, permissions: PermissionSpec[], toolEnv: ToolEnv = hostToolEnv()) {
    const spec: AppSpec = { version: '0.0', os: 'linux', hooks: {}, files: [{ source: 'site', destination: '/srv/www' }], permissions };
    const instructionsDir = path.join(root, 'deployment-instructions');
    return installRevision({ archiveDir, spec, fileExistsBehavior: 'OVERWRITE', instructionsDir, deploymentGroupId: 'dg-1', destRoot, toolEnv });
  }

  const host = (p: string): string => path.join(destRoot, p);
  const getfacl = (p: string, ...flags: string[]): string[] =>
    execFileSync('getfacl', ['--omit-header', ...flags, host(p)], { encoding: 'utf8' }).split('\n').filter((l) => l !== '');

  async function rejectsFailed(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof DeckhandError, String(err));
      assert.equal(err.code, 'INSTALL_FAILED', err.message);
      assert.match(err.message, pattern);
      return true;
    });
  }

  it('adds a named user entry to the created files, with the mask from the mode', async () => {
    await install(revision('r1', { 'site/a.txt': 'a' }), [perm({ mode: '0660', type: ['file'], acls: ['u:nobody:rw'] })]);
    const acl = getfacl('srv/www/a.txt');
    assert.ok(acl.includes('user:nobody:rw-'), acl.join('\n'));
    assert.ok(acl.includes('mask::rw-'), acl.join('\n'));
  });

  it('computes the mask from the mode set just before, so group bits limit the named entry', async () => {
    await install(revision('r1', { 'site/a.txt': 'a' }), [perm({ mode: '0640', type: ['file'], acls: ['u:nobody:rwx'] })]);
    const acl = getfacl('srv/www/a.txt', '--all-effective');
    assert.ok(acl.includes('user:nobody:rwx\t#effective:r--'), acl.join('\n'));
    assert.ok(acl.includes('mask::r--'), acl.join('\n'));
  });

  it('keeps an explicit mask because chmod runs before setfacl, not after', async () => {
    await install(revision('r1', { 'site/a.txt': 'a' }), [perm({ mode: '0640', type: ['file'], acls: ['u:nobody:rwx', 'm:rwx'] })]);
    const acl = getfacl('srv/www/a.txt', '--all-effective');
    assert.ok(acl.includes('user:nobody:rwx\t#effective:rwx'), acl.join('\n'));
    assert.ok(acl.includes('mask::rwx'), acl.join('\n'));
    assert.equal(fs.statSync(host('srv/www/a.txt')).mode & 0o777, 0o670);
  });

  it('sets default entries on created directories, inherited by files made in them later', async () => {
    await install(revision('r1', { 'site/css/a.css': 'c' }), [perm({ type: ['directory'], acls: ['d:u:nobody:rx'] })]);
    assert.ok(getfacl('srv/www/css').includes('default:user:nobody:r-x'));
    fs.writeFileSync(host('srv/www/css/new.css'), 'n');
    assert.ok(getfacl('srv/www/css/new.css').some((l) => l.startsWith('user:nobody:r-x')));
  });

  it('leaves a child named in except without the ACL entry', async () => {
    await install(revision('r1', { 'site/a.txt': 'a', 'site/secret.txt': 's' }), [perm({ pattern: '*', except: ['secret.txt'], acls: ['u:nobody:r'] })]);
    assert.ok(getfacl('srv/www/a.txt').includes('user:nobody:r--'));
    assert.ok(!getfacl('srv/www/secret.txt').some((l) => l.startsWith('user:nobody')));
  });

  it('refuses a default entry on a file, naming the file', async () => {
    const p = install(revision('r1', { 'site/a.txt': 'a' }), [perm({ type: ['file'], acls: ['d:u:nobody:r'] })]);
    await rejectsFailed(p, /a\.txt include a default \(d:\) entry/);
  });

  it('refuses acls before changing anything when setfacl is missing, naming the acl package', async () => {
    await install(revision('r1', { 'site/a.txt': 'v1' }), []);
    const noTools: ToolEnv = { searchPath: path.join(root, 'empty-bin'), selinuxFs: '/sys/fs/selinux' };
    const p = install(revision('r2', { 'site/a.txt': 'v2', 'site/b.txt': 'b' }), [perm({ acls: ['u:nobody:r'] })], noTools);
    await rejectsFailed(p, /\/srv\/www set acls, but setfacl is not installed.*"acl" package/);
    assert.equal(fs.readFileSync(host('srv/www/a.txt'), 'utf8'), 'v1');
    assert.equal(fs.existsSync(host('srv/www/b.txt')), false);
  });

  it('refuses a context before changing anything when SELinux is not available, naming the object', async () => {
    await install(revision('r1', { 'site/a.txt': 'v1' }), []);
    const noSelinux: ToolEnv = { searchPath: hostToolEnv().searchPath, selinuxFs: path.join(root, 'no-selinuxfs') };
    const p = install(revision('r2', { 'site/a.txt': 'v2' }), [perm({ context: { type: 'httpd_sys_content_t' } })], noSelinux);
    await rejectsFailed(p, /\/srv\/www set an SELinux context, but SELinux is not available/);
    assert.equal(fs.readFileSync(host('srv/www/a.txt'), 'utf8'), 'v1');
  });
});
