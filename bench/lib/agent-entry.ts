/**
 * The agent as it ships: `npm run package:agent` bundles agent/src/main.ts into one ESM file
 * that plain node runs (no tsx loader, about 25 MB less resident memory). The agent figures
 * measure that form; the bundle is written under dist/ so better-sqlite3 still resolves from
 * the repository's node_modules.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleEntry } from '../../installers/package/bundle.ts';
import { REPO_ROOT } from './coordinator.ts';

let built: Promise<string> | undefined;

/** Path of the bundled agent entry point, built once per benchmark run. */
export function packagedAgent(): Promise<string> {
  built ??= (async () => {
    const outfile = path.join(REPO_ROOT, 'dist', 'bench', 'deckhand-agent.mjs');
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    await bundleEntry({ entry: path.join(REPO_ROOT, 'agent', 'src', 'main.ts'), outfile, version });
    return outfile;
  })();
  return built;
}
