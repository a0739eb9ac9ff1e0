import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractBundle } from '../../../agent/src/bundle/extract.ts';
import { sha256File } from '../../../agent/src/bundle/verify.ts';
import { buildAgentPackages, selectPlatforms } from '../../../installers/package-agent.ts';
import { findPlatform, type Manifest } from '../../../installers/package/platforms.ts';
import { NODE_RUNTIME_VERSION } from '../../../installers/package/runtime.ts';

/** Lists files under `dir`, relative, sorted. */
function files(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe('npm run package:agent', function () {
  // The first build of a checkout downloads the Node.js runtimes and compiles better-sqlite3 for
  // the Linux one (cached in dist/cache afterwards).
  this.timeout(20 * 60_000);
  // Outside the repository, so nothing can resolve the repository's node_modules.
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-pkg-test-'));
  // Every archive holds one deckhand-agent/ folder.
  const linux = path.join(out, 'linux', 'deckhand-agent');
  const windows = path.join(out, 'windows', 'deckhand-agent');
  let manifest: Manifest;

  before(async function () {
    manifest = await buildAgentPackages([findPlatform(`linux-${process.arch}`)!, findPlatform('win32-x64')!], out);
    await extractBundle({ file: path.join(out, `deckhand-agent-linux-${process.arch}.tar.gz`), type: 'tgz', dest: path.dirname(linux) });
    await extractBundle({ file: path.join(out, 'deckhand-agent-win32-x64.zip'), type: 'zip', dest: path.dirname(windows) });
  });
  after(function () {
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('writes each archive with a sha256sum line that matches it', async function () {
    for (const entry of Object.values(manifest.packages)) {
      const line = fs.readFileSync(path.join(out, `${entry.file}.sha256`), 'utf8');
      assert.equal(line, `${await sha256File(path.join(out, entry.file))}  ${entry.file}\n`);
      assert.equal(entry.sha256, line.split(' ')[0]);
    }
  });

  it('lists only better-sqlite3 (its 12 and 13 builds) as the agent\'s runtime dependencies, and names its runtime', function () {
    const pkg = JSON.parse(fs.readFileSync(path.join(linux, 'package.json'), 'utf8'));
    assert.deepEqual(Object.keys(pkg.dependencies), ['better-sqlite3', 'better-sqlite3-napi']);
    assert.equal(pkg.deckhand.runtime, 'runtime/bin/node');
    assert.equal(pkg.deckhand.nodeVersion, NODE_RUNTIME_VERSION);
  });

  it('opens its journal with the better-sqlite3 it carries, compiled here, on the runtime it carries', function () {
    const out = execFileSync(path.join(linux, 'runtime', 'bin', 'node'), [path.join(linux, 'bin', 'deckhand-agent.js'), 'self-check'], { encoding: 'utf8' });
    assert.match(out, new RegExp(`runs on Node\\.js v${NODE_RUNTIME_VERSION.replaceAll('.', '\\.')} with better-sqlite3-napi`));
    assert.ok(fs.existsSync(path.join(linux, 'node_modules', 'better-sqlite3-napi', 'build', 'Release', 'better_sqlite3.node')));
    assert.equal(fs.existsSync(path.join(linux, 'node_modules', 'better-sqlite3-napi', 'prebuilds')), false);
  });

  it('carries the pinned Node.js 24 runtime for each platform', function () {
    const version = execFileSync(path.join(linux, 'runtime', 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
    assert.equal(version, `v${NODE_RUNTIME_VERSION}`);
    assert.match(version, /^v24\./);
    assert.ok(files(windows).includes('runtime/node.exe'));
  });

  it('ships the bundled agent, better-sqlite3 built here, and the systemd unit, without tsx', function () {
    const listed = files(linux);
    for (const f of ['bin/deckhand-agent.js', 'lib/deckhand-agent.mjs', 'runtime/bin/node', 'share/systemd/deckhand-agent.service']) {
      assert.ok(listed.includes(f), `${f} is missing`);
    }
    assert.equal(listed.some((f) => f.includes('node_modules/tsx/')), false);
  });

  it('runs from the unpacked Linux package alone, on its own runtime', function () {
    const state = execFileSync(path.join(linux, 'runtime', 'bin', 'node'), [path.join(linux, 'bin', 'deckhand-agent.js'), 'upgrade-check', '--root', path.join(out, 'state')], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(state), { registered: false, busy: false, runningDeployments: [] });
  });

  it('ships better-sqlite3\'s Node-API binary for Windows, and a service-definition tool that runs on its own', function () {
    assert.deepEqual(files(windows).filter((f) => f.endsWith('.node')), ['node_modules/better-sqlite3-napi/prebuilds/win32-x64.node']);
    const plan = execFileSync(process.execPath, [path.join(windows, 'lib', 'windows-service.mjs'), 'plan', '--program-files', 'C:\\PF',
      '--program-data', 'C:\\PD', '--node', 'C:\\node.exe', '--release-id', 'abcdef012345'], { encoding: 'utf8' });
    assert.equal(JSON.parse(plan).stateDir, 'C:\\PD\\Deckhand');
  });

  it('refuses a platform this machine cannot build, naming those it can', function () {
    const other = process.arch === 'arm64' ? 'linux-x64' : 'linux-arm64';
    assert.throws(() => selectPlatforms(other), /--platform must be all or one of .*win32-x64 on this machine/);
  });
});
