/**
 * `npm run build` (also run by `npm install`/`npm ci` through `prepare`): compiles the three
 * binaries into dist/ with esbuild, one ESM entry per binary plus shared chunks, so `deckhand`,
 * `deckhand-agent` and `deckhand-coordinator` run plain JavaScript and load a few files instead of
 * hundreds of TypeScript modules through a loader.
 *
 * esbuild rather than tsc: it is already what builds the agent package, it bundles (startup
 * reads a handful of files, not one per module), and it takes about a second. tsc stays the
 * type checker (`npm run typecheck`); tests run the sources through tsx.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { builtinsViaRequire, EXTERNAL_PACKAGES, inlineVersion, REQUIRE_SHIM } from '../installers/package/bundle.ts';
import { lazyModules } from '../installers/package/lazy-modules.ts';

const REPO = path.resolve(import.meta.dirname, '..');

/** Where the compiled binaries go (ignored by git). */
export const DIST = path.join(REPO, 'dist', 'bin');

/** The binaries: output name → source entry. */
export const ENTRIES = {
  deckhand: 'cli/src/main.ts',
  'deckhand-agent': 'agent/src/main.ts',
  'deckhand-coordinator': 'coordinator/src/main.ts',
} as const;

/** Where the dashboard's built page, script and style go (served by the coordinator). */
export const WEB_DIST = path.join(REPO, 'dist', 'web');

/** The dashboard's sources: a browser script, its page and its style. */
const WEB_SRC = path.join(REPO, 'dashboard');

/** The source folders a build reads; a change in one makes dist/ stale. */
const SOURCE_DIRS = ['common/src', 'protocol/src', 'agent/src', 'coordinator/src', 'cli/src', 'installers', 'dashboard', 'package.json'];

/** Written last, so a build that died half-way is seen as stale. */
const STAMP = path.join(DIST, '.built');

/** Native or deliberately unbundled packages, loaded from node_modules at run time. */
// swagger-ui (the coordinator's /docs) finds its static files next to its own code: bundled,
// its __dirname would point into dist/, so it is loaded from node_modules instead.
const EXTERNAL = [...EXTERNAL_PACKAGES, '@fastify/swagger-ui'];

function newestMtime(p: string): number {
  const full = path.join(REPO, p);
  const stat = fs.statSync(full, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(full)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

/** True when dist/ is missing or older than a source file. */
export function isStale(): boolean {
  const built = fs.statSync(STAMP, { throwIfNoEntry: false });
  return built === undefined || SOURCE_DIRS.some((d) => newestMtime(d) > built.mtimeMs);
}

/** Compiles every binary into dist/bin. Throws when esbuild reports an error. */
export async function buildBinaries(): Promise<void> {
  const { version } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
  fs.rmSync(DIST, { recursive: true, force: true });
  await build({
    absWorkingDir: REPO,
    entryPoints: ENTRIES,
    outdir: DIST,
    outExtension: { '.js': '.mjs' },
    // Commands and features loaded with import() become chunks parsed only when used.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minifyWhitespace: true,
    external: EXTERNAL,
    plugins: [lazyModules(), inlineVersion(version), builtinsViaRequire()],
    banner: { js: REQUIRE_SHIM },
    legalComments: 'linked',
    logLevel: 'warning',
  });
  await buildDashboard();
  fs.writeFileSync(STAMP, `${version}\n`);
}

/**
 * Builds the dashboard into dist/web: one minified browser script (no framework: plain DOM,
 * about 30 KB), its page and its style, all served by the coordinator (no CDN).
 */
export async function buildDashboard(): Promise<void> {
  fs.rmSync(WEB_DIST, { recursive: true, force: true });
  await build({
    absWorkingDir: REPO,
    entryPoints: { app: 'dashboard/src/main.ts' },
    outdir: WEB_DIST,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'app.css']) fs.copyFileSync(path.join(WEB_SRC, file), path.join(WEB_DIST, file));
}

/** Builds when dist/ is stale; for test runs, so spawned binaries never run old code. */
export async function buildIfStale(): Promise<boolean> {
  if (!isStale()) return false;
  await buildBinaries();
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  buildBinaries().catch((err: unknown) => {
    process.stderr.write(`build: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
