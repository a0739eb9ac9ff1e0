/**
 * Deckhand's version, from the repository's package.json so there is one source of truth. The
 * build (scripts/build.ts, installers/package/bundle.ts) replaces this module with the literal,
 * so compiled binaries read no file to know it.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** The package version every binary prints for `--version`, e.g. `0.1.0`. */
export const DECKHAND_VERSION: string = readVersion();
