/**
 * `npm run package:agent [-- --platform NAME|all] [--out DIR]`: builds the agent package, one
 * archive per platform plus its `.sha256`, and a manifest.json the coordinator serves from.
 * Default: every platform this machine can build, into dist/agent-packages/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeArchive } from './package/archive.ts';
import {
  ARCHIVE_ROOT,
  archiveName,
  buildablePlatforms,
  findPlatform,
  MANIFEST_NAME,
  type Manifest,
  type ManifestEntry,
  type PackagePlatform,
} from './package/platforms.ts';
import { stagePackage } from './package/stage.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/** Builds the package of one platform into `outDir`; returns its manifest entry. */
export async function buildAgentPackage(platform: PackagePlatform, outDir: string, repoRoot = REPO_ROOT): Promise<ManifestEntry> {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-package-'));
  try {
    const { version } = await stagePackage({ repoRoot, platform, dir: path.join(staging, ARCHIVE_ROOT) });
    fs.mkdirSync(outDir, { recursive: true });
    const file = archiveName(platform);
    const { sha256, bytes } = await writeArchive(platform, staging, ARCHIVE_ROOT, path.join(outDir, file));
    return { platform: platform.name, file, sha256, bytes, version };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Builds every platform in `platforms` and writes (merging into) `outDir/manifest.json`. */
export async function buildAgentPackages(platforms: readonly PackagePlatform[], outDir: string, repoRoot = REPO_ROOT): Promise<Manifest> {
  const file = path.join(outDir, MANIFEST_NAME);
  const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest) : undefined;
  const packages: Record<string, ManifestEntry> = { ...previous?.packages };
  let version = previous?.version ?? '';
  for (const platform of platforms) {
    const entry = await buildAgentPackage(platform, outDir, repoRoot);
    packages[platform.name] = entry;
    version = entry.version;
  }
  const manifest: Manifest = { version, packages };
  fs.writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The platforms a `--platform` value names; throws with the valid names otherwise. */
export function selectPlatforms(name: string | undefined): PackagePlatform[] {
  const buildable = buildablePlatforms();
  if (name === undefined || name === 'all') return buildable;
  const platform = findPlatform(name);
  if (!platform || !buildable.includes(platform)) {
    throw new Error(`--platform must be all or one of ${buildable.map((p) => p.name).join(', ')} on this machine, got "${name}"`);
  }
  return [platform];
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { platform: { type: 'string' }, out: { type: 'string' } }, strict: true });
  const outDir = path.resolve(values.out ?? path.join(REPO_ROOT, 'dist', 'agent-packages'));
  const manifest = await buildAgentPackages(selectPlatforms(values.platform), outDir);
  for (const entry of Object.values(manifest.packages)) {
    process.stdout.write(`${path.join(outDir, entry.file)}  ${entry.bytes} bytes  sha256 ${entry.sha256}\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`package-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
