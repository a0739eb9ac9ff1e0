/**
 * The agent as it ships: the Linux agent package (`npm run package:agent`), unpacked, run on the
 * Node.js runtime it carries, with the better-sqlite3 it carries. The agent figures measure that
 * form, not the sources under tsx (whose loader thread alone adds about 40 MB) nor the Node.js
 * running the benchmark.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { extractBundle } from '../../agent/src/bundle/extract.ts';
import { buildAgentPackage } from '../../installers/package-agent.ts';
import { findPlatform } from '../../installers/package/platforms.ts';
import { REPO_ROOT } from './coordinator.ts';

/** How to start the packaged agent: `node script args...`. */
export interface PackagedAgent {
  /** The runtime in the package. */
  node: string;
  /** Its bin/deckhand-agent.js. */
  script: string;
}

let built: Promise<PackagedAgent> | undefined;

/** The packaged agent, built and unpacked once per benchmark run under dist/bench. */
export function packagedAgent(): Promise<PackagedAgent> {
  built ??= (async () => {
    const out = path.join(REPO_ROOT, 'dist', 'bench');
    rmSync(out, { recursive: true, force: true });
    const platform = findPlatform(`linux-${process.arch}`);
    if (!platform) throw new Error(`no agent package is built for linux-${process.arch}`);
    const entry = await buildAgentPackage(platform, out);
    await extractBundle({ file: path.join(out, entry.file), type: 'tgz', dest: path.join(out, 'unpacked') });
    const dir = path.join(out, 'unpacked', 'deckhand-agent');
    return { node: path.join(dir, 'runtime', 'bin', 'node'), script: path.join(dir, 'bin', 'deckhand-agent.js') };
  })();
  return built;
}
