/**
 * Lays out the agent package in a staging folder: the bundled agent, a launcher, a package.json
 * naming only the agent's runtime dependency, the service definitions, and (Linux) better-sqlite3
 * as compiled on this machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleEntry, EXTERNAL_PACKAGES } from './bundle.ts';
import type { PackagePlatform } from './platforms.ts';

/** What {@link stagePackage} needs to know about the repository. */
export interface StageOptions {
  repoRoot: string;
  platform: PackagePlatform;
  /** The folder to fill; created, must not exist yet. */
  dir: string;
}

interface RootPackageJson {
  version: string;
  engines?: Record<string, string>;
  dependencies: Record<string, string>;
}

/**
 * Folders copied from better-sqlite3 and its loader. Only the compiled addon is needed from
 * build/, not the object files next to it.
 */
const NATIVE_FILES: Record<string, string[]> = {
  'better-sqlite3': ['package.json', 'LICENSE', 'lib', 'build/Release/better_sqlite3.node'],
  bindings: ['package.json', 'LICENSE.md', 'bindings.js'],
  'file-uri-to-path': ['package.json', 'LICENSE', 'index.js'],
};

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
      // The ABI the bundled better-sqlite3 was compiled for; the installer rebuilds on a mismatch.
      ...(platform.os === 'win32' ? {} : { nodeModuleVersion: process.versions.modules }),
    },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}

function copyNativeModules(repoRoot: string, dir: string): void {
  for (const [name, files] of Object.entries(NATIVE_FILES)) {
    for (const rel of files) {
      const from = path.join(repoRoot, 'node_modules', name, rel);
      if (!fs.existsSync(from)) throw new Error(`${from} is missing: run npm ci first`);
      fs.cpSync(from, path.join(dir, 'node_modules', name, rel), { recursive: true });
    }
  }
}

/** Fills `opts.dir` with the package for `opts.platform`. */
export async function stagePackage(opts: StageOptions): Promise<{ version: string }> {
  const { repoRoot, platform, dir } = opts;
  const root = readRootPackage(repoRoot);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  await bundleEntry({
    entry: path.join(repoRoot, 'agent', 'src', 'main.ts'),
    outfile: path.join(dir, 'lib', 'deckhand-agent.mjs'),
    version: root.version,
  });
  fs.writeFileSync(path.join(dir, 'bin', 'deckhand-agent.js'), LAUNCHER, { mode: 0o755 });
  writePackageJson(dir, root, platform);
  if (platform.os === 'win32') {
    await bundleEntry({
      entry: path.join(repoRoot, 'installers', 'windows', 'main.ts'),
      outfile: path.join(dir, 'lib', 'windows-service.mjs'),
      version: root.version,
    });
  } else {
    copyNativeModules(repoRoot, dir);
    fs.cpSync(path.join(repoRoot, 'systemd', 'deckhand-agent.service'), path.join(dir, 'share', 'systemd', 'deckhand-agent.service'));
  }
  return { version: root.version };
}
