/**
 * Where the coordinator finds the agent packages it serves to installers: a folder built by
 * `npm run package:agent` (DECKHAND_AGENT_PACKAGE_DIR), or, without one, packages it builds
 * itself from this checkout on the first request (into a temporary folder, once per process).
 * The builder runs as a child process: it is installer tooling, not part of the coordinator.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../../common/src/package-root.ts';
import { DeckhandError } from '../../../protocol/src/index.ts';

const execFileP = promisify(execFile);

/** The repository this coordinator runs from. */
export const REPO_ROOT = packageRoot(import.meta.url);

/** One servable package, as manifest.json (written by installers/package-agent.ts) lists it. */
export interface AgentPackage {
  platform: string;
  file: string;
  sha256: string;
  bytes: number;
  version: string;
  /** Absolute path of the archive. */
  path: string;
}

/** Finds the package of a platform. */
export interface AgentPackageSource {
  /** Throws NOT_FOUND naming the platforms there are, or INTERNAL when a build fails. */
  get(platform: string): Promise<AgentPackage>;
  /** Removes whatever the source built. */
  close(): void;
}

interface ManifestFile {
  packages: Record<string, Omit<AgentPackage, 'path'>>;
}

function readManifest(dir: string): ManifestFile {
  const file = path.join(dir, 'manifest.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ManifestFile;
  } catch (err) {
    throw new DeckhandError('NOT_FOUND', `no agent packages: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function lookup(dir: string, platform: string): AgentPackage {
  const { packages } = readManifest(dir);
  const entry = Object.hasOwn(packages, platform) ? packages[platform] : undefined;
  if (!entry) {
    const known = Object.keys(packages).join(', ') || 'none';
    throw new DeckhandError('NOT_FOUND', `no agent package for platform ${platform} (available: ${known})`);
  }
  return { ...entry, path: path.join(dir, path.basename(entry.file)) };
}

/** Serves the packages of a folder built by `npm run package:agent`. */
export function packageDirSource(dir: string): AgentPackageSource {
  return { get: async (platform) => lookup(dir, platform), close: () => undefined };
}

/**
 * Builds the packages from this checkout on first use, then serves them. The first build of a
 * checkout downloads the Node.js runtime and compiles better-sqlite3 for it (about a minute,
 * cached in dist/cache); later ones take seconds.
 */
export function onDemandSource(repoRoot: string = REPO_ROOT): AgentPackageSource {
  let outDir: string | undefined;
  let built: Promise<string> | undefined;
  const build = async (): Promise<string> => {
    outDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'dh-agent-packages-'));
    const script = path.join(repoRoot, 'installers', 'package-agent.ts');
    try {
      await execFileP(process.execPath, ['--import', 'tsx', script, '--out', outDir], { cwd: repoRoot, timeout: 20 * 60_000 });
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim().slice(-500);
      throw new DeckhandError('INTERNAL', `building the agent package failed: ${stderr || (err as Error).message}`, { cause: err });
    }
    return outDir;
  };
  return {
    async get(platform) {
      // One build per process; a failed build is retried by the next request.
      built ??= build().catch((err: unknown) => {
        built = undefined;
        throw err;
      });
      return lookup(await built, platform);
    },
    close() {
      if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** The source the environment asks for: DECKHAND_AGENT_PACKAGE_DIR, else on-demand builds. */
export function agentPackageSourceFromEnv(env: NodeJS.ProcessEnv): AgentPackageSource {
  const dir = env['DECKHAND_AGENT_PACKAGE_DIR'];
  return dir ? packageDirSource(path.resolve(dir)) : onDemandSource();
}
