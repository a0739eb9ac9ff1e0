/**
 * Lays out the agent package in a staging folder: the bundled agent, a launcher, a package.json
 * naming only the agent's runtime dependency, the service definitions, the Node.js runtime the
 * agent runs on (runtime/bin/node, or node.exe), and (Linux) better-sqlite3 compiled for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleEntry, EXTERNAL_PACKAGES } from './bundle.ts';
import type { PackagePlatform } from './platforms.ts';
import { ADDON_PACKAGE, buildAddonFor, defaultCacheDir, fetchRuntime, NODE_RUNTIME_VERSION, runtimeExecutable } from './runtime.ts';

/** What {@link stagePackage} needs to know about the repository. */
export interface StageOptions {
  repoRoot: string;
  platform: PackagePlatform;
  /** The folder to fill; created, must not exist yet. */
  dir: string;
  /** Where the runtime download and compiled addon are cached. @default dist/cache */
  cacheDir?: string;
}

interface RootPackageJson {
  version: string;
  engines?: Record<string, string>;
  dependencies: Record<string, string>;
}

/**
 * The files of better-sqlite3 13 the agent loads on its runtime (common/src/sqlite.ts). On Linux
 * its addon (build/Release) is the one compiled here for the packaged runtime; on Windows, which
 * cannot be compiled for here, the Node-API binary npm publishes in the package (prebuilds/).
 */
const ADDON_FILES: Record<PackagePlatform['os'], string[]> = {
  linux: ['package.json', 'LICENSE', 'lib'],
  win32: ['package.json', 'LICENSE', 'lib', 'prebuilds/win32-x64.node'],
};

/** Where the runtime sits in the package; install.sh and install.ps1 look for it there. */
export const PACKAGED_RUNTIME: Record<PackagePlatform['os'], string> = { linux: 'runtime/bin/node', win32: 'runtime/node.exe' };

const LAUNCHER = `#!/usr/bin/env node
// deckhand-agent, as installed from the agent package: the bundled agent, no build tools needed.
await import('../lib/deckhand-agent.mjs');
`;

/** The version and runtime pins of the repository's package.json. */
export function readRootPackage(repoRoot: string): RootPackageJson {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as RootPackageJson;
}

function writePackageJson(dir: string, root: RootPackageJson, platform: PackagePlatform): void {
  const dependencies: Record<string, string> = {};
  for (const name of EXTERNAL_PACKAGES) {
    const pin = root.dependencies[name];
    if (pin === undefined) throw new Error(`package.json does not pin ${name}, which the agent package needs`);
    dependencies[name] = pin;
  }
  const pkg = {
    name: 'deckhand-agent',
    version: root.version,
    private: true,
    type: 'module',
    ...(root.engines ? { engines: root.engines } : {}),
    bin: { 'deckhand-agent': 'bin/deckhand-agent.js' },
    dependencies,
    deckhand: {
      platform: platform.name,
      runtime: PACKAGED_RUNTIME[platform.os],
      nodeVersion: NODE_RUNTIME_VERSION,
    },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}

function copyAddon(repoRoot: string, dir: string, platform: PackagePlatform, compiled: string | undefined): void {
  for (const rel of ADDON_FILES[platform.os]) {
    const from = path.join(repoRoot, 'node_modules', ADDON_PACKAGE, rel);
    if (!fs.existsSync(from)) throw new Error(`${from} is missing: run npm ci first`);
    fs.cpSync(from, path.join(dir, 'node_modules', ADDON_PACKAGE, rel), { recursive: true });
  }
  if (compiled) fs.cpSync(compiled, path.join(dir, 'node_modules', ADDON_PACKAGE, 'build', 'Release', 'better_sqlite3.node'));
}

/** Copies the runtime's executable (and licence) into the package. */
function copyRuntime(runtimeDir: string, dir: string, platform: PackagePlatform): void {
  const target = path.join(dir, PACKAGED_RUNTIME[platform.os]);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(runtimeExecutable(runtimeDir, platform), target);
  fs.chmodSync(target, 0o755);
  const licence = path.join(runtimeDir, 'LICENSE');
  if (fs.existsSync(licence)) fs.copyFileSync(licence, path.join(dir, 'runtime', 'LICENSE'));
}

/** Fills `opts.dir` with the package for `opts.platform`. */
export async function stagePackage(opts: StageOptions): Promise<{ version: string }> {
  const { repoRoot, platform, dir } = opts;
  const cacheDir = opts.cacheDir ?? defaultCacheDir(repoRoot);
  const root = readRootPackage(repoRoot);
  const runtimeDir = await fetchRuntime(platform, cacheDir);
  copyRuntime(runtimeDir, dir, platform);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  await bundleEntry({
    entry: path.join(repoRoot, 'agent', 'src', 'main.ts'),
    outfile: path.join(dir, 'lib', 'deckhand-agent.mjs'),
    version: root.version,
  });
  fs.writeFileSync(path.join(dir, 'bin', 'deckhand-agent.js'), LAUNCHER, { mode: 0o755 });
  writePackageJson(dir, root, platform);
  const compiled = platform.os === 'win32' ? undefined : await buildAddonFor(runtimeDir, platform, repoRoot, cacheDir);
  copyAddon(repoRoot, dir, platform, compiled);
  if (platform.os === 'win32') {
    await bundleEntry({
      entry: path.join(repoRoot, 'installers', 'windows', 'main.ts'),
      outfile: path.join(dir, 'lib', 'windows-service.mjs'),
      version: root.version,
    });
  } else {
    fs.cpSync(path.join(repoRoot, 'systemd', 'deckhand-agent.service'), path.join(dir, 'share', 'systemd', 'deckhand-agent.service'));
  }
  return { version: root.version };
}
