/**
 * Lays out the agent package in a staging folder: the bundled agent, a launcher, a package.json
 * naming only the agent's runtime dependency, the service definitions, the Node.js runtime the
 * agent runs on (runtime/bin/node, or node.exe), and (Linux) better-sqlite3 compiled for it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleEntry, EXTERNAL_PACKAGES } from './bundle.ts';
import type { PackagePlatform } from './platforms.ts';
import { buildAddonFor, defaultCacheDir, fetchRuntime, NODE_RUNTIME_VERSION, runtimeExecutable } from './runtime.ts';

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
 * Files copied from better-sqlite3 and its loader; the compiled addon (build/Release) is the
 * one made for the packaged runtime, not the one npm built for the Node.js running the build.
 */
const NATIVE_FILES: Record<string, string[]> = {
  'better-sqlite3': ['package.json', 'LICENSE', 'lib'],
  bindings: ['package.json', 'LICENSE.md', 'bindings.js'],
  'file-uri-to-path': ['package.json', 'LICENSE', 'index.js'],
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

function writePackageJson(dir: string, root: RootPackageJson, platform: PackagePlatform, moduleVersion: string | undefined): void {
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
      // The ABI the bundled better-sqlite3 was compiled for: the packaged runtime's. Under another
      // Node.js (install.sh --node), the installer rebuilds on a mismatch.
      ...(moduleVersion === undefined ? {} : { nodeModuleVersion: moduleVersion }),
    },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}

function copyNativeModules(repoRoot: string, dir: string, addon: string): void {
  for (const [name, files] of Object.entries(NATIVE_FILES)) {
    for (const rel of files) {
      const from = path.join(repoRoot, 'node_modules', name, rel);
      if (!fs.existsSync(from)) throw new Error(`${from} is missing: run npm ci first`);
      fs.cpSync(from, path.join(dir, 'node_modules', name, rel), { recursive: true });
    }
  }
  fs.cpSync(addon, path.join(dir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
}

/** Copies the runtime's executable (and licence) into the package; returns its path there. */
function copyRuntime(runtimeDir: string, dir: string, platform: PackagePlatform): string {
  const target = path.join(dir, PACKAGED_RUNTIME[platform.os]);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(runtimeExecutable(runtimeDir, platform), target);
  fs.chmodSync(target, 0o755);
  const licence = path.join(runtimeDir, 'LICENSE');
  if (fs.existsSync(licence)) fs.copyFileSync(licence, path.join(dir, 'runtime', 'LICENSE'));
  return target;
}

/** Fills `opts.dir` with the package for `opts.platform`. */
export async function stagePackage(opts: StageOptions): Promise<{ version: string }> {
  const { repoRoot, platform, dir } = opts;
  const cacheDir = opts.cacheDir ?? defaultCacheDir(repoRoot);
  const root = readRootPackage(repoRoot);
  const runtimeDir = await fetchRuntime(platform, cacheDir);
  const runtime = copyRuntime(runtimeDir, dir, platform);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  await bundleEntry({
    entry: path.join(repoRoot, 'agent', 'src', 'main.ts'),
    outfile: path.join(dir, 'lib', 'deckhand-agent.mjs'),
    version: root.version,
  });
  fs.writeFileSync(path.join(dir, 'bin', 'deckhand-agent.js'), LAUNCHER, { mode: 0o755 });
  // Only a Linux package is built on the machine it targets (platforms.ts), so its runtime runs here.
  const moduleVersion = platform.os === 'win32' ? undefined : execFileSync(runtime, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
  writePackageJson(dir, root, platform, moduleVersion);
  if (platform.os === 'win32') {
    await bundleEntry({
      entry: path.join(repoRoot, 'installers', 'windows', 'main.ts'),
      outfile: path.join(dir, 'lib', 'windows-service.mjs'),
      version: root.version,
    });
  } else {
    copyNativeModules(repoRoot, dir, await buildAddonFor(runtimeDir, platform, repoRoot, cacheDir));
    fs.cpSync(path.join(repoRoot, 'systemd', 'deckhand-agent.service'), path.join(dir, 'share', 'systemd', 'deckhand-agent.service'));
  }
  return { version: root.version };
}
