/**
 * Revision bundles made by the tests: a folder written from a map of files, packed as tgz with
 * the real tar package.
 */
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';

/** Relative path → content; paths under scripts/ are made executable. */
export type BundleFiles = Record<string, string | Uint8Array>;

/** Packs `files` into a tgz and returns its bytes. */
export async function makeTgz(files: BundleFiles): Promise<Uint8Array> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bundle-'));
  try {
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(dir, 'src', rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content, { mode: rel.startsWith('scripts/') ? 0o755 : 0o644 });
    }
    const out = path.join(dir, 'bundle.tgz');
    await tar.c({ gzip: true, cwd: path.join(dir, 'src'), file: out, portable: true }, Object.keys(files));
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A hook that appends `<event> <deployment id> <start ns> <end ns>` to `$DECKHAND_ROOT/hooks.log`,
 * sleeping a little in between so that overlapping hosts would be visible.
 */
export const RECORD_HOOK = `#!/bin/bash
start=$(date +%s%N)
echo "running $LIFECYCLE_EVENT for $DEPLOYMENT_ID"
sleep 0.15
echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID $start $(date +%s%N)" >> "$DECKHAND_ROOT/hooks.log"
`;

/** An appspec installing site/ to /srv/app with `hooks` (event → script location). */
export function appspec(hooks: Record<string, string>): string {
  const lines = ['version: 0.0', 'os: linux', 'files:', '  - source: site', '    destination: /srv/app', 'hooks:'];
  for (const [event, location] of Object.entries(hooks)) {
    lines.push(`  ${event}:`, `    - location: ${location}`, '      timeout: 60');
  }
  return lines.join('\n') + '\n';
}
