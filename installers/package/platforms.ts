/**
 * The platforms an agent package is built for, and the file names the installers and the
 * coordinator look for (through the manifest the builder writes).
 */

/** One target platform of the agent package. */
export interface PackagePlatform {
  /** `<os>-<arch>`, as installers request it: `GET /v1/agent/package?platform=linux-x64`. */
  name: string;
  os: 'linux' | 'win32';
  arch: string;
  archive: 'tar.gz' | 'zip';
}

/** Every platform the builder knows. */
export const PLATFORMS: readonly PackagePlatform[] = [
  { name: 'linux-x64', os: 'linux', arch: 'x64', archive: 'tar.gz' },
  { name: 'linux-arm64', os: 'linux', arch: 'arm64', archive: 'tar.gz' },
  { name: 'win32-x64', os: 'win32', arch: 'x64', archive: 'zip' },
];

/** The platform with this name, or undefined. */
export function findPlatform(name: string): PackagePlatform | undefined {
  return PLATFORMS.find((p) => p.name === name);
}

/**
 * The platforms this machine can build. A Linux package carries better-sqlite3 compiled here,
 * so only this machine's own os and arch qualify; a Windows package carries no native code (the
 * installer fetches better-sqlite3 for the host), so it can be built anywhere.
 */
export function buildablePlatforms(os: string = process.platform, arch: string = process.arch): PackagePlatform[] {
  return PLATFORMS.filter((p) => p.os === 'win32' || (p.os === os && p.arch === arch));
}

/** The archive's file name, e.g. `deckhand-agent-linux-x64.tar.gz`. */
export function archiveName(platform: PackagePlatform): string {
  return `deckhand-agent-${platform.name}.${platform.archive}`;
}

/** The name of the folder at the root of every archive. */
export const ARCHIVE_ROOT = 'deckhand-agent';

/** The name of the manifest file written next to the archives. */
export const MANIFEST_NAME = 'manifest.json';

/** One entry of the manifest: what the coordinator serves for a platform. */
export interface ManifestEntry {
  platform: string;
  file: string;
  sha256: string;
  bytes: number;
  version: string;
}

/** `manifest.json`: the packages in a directory, by platform name. */
export interface Manifest {
  version: string;
  packages: Record<string, ManifestEntry>;
}
