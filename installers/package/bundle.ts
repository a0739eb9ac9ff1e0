/**
 * Bundles a TypeScript entry point and everything it imports into one ESM file with esbuild, so
 * the agent package needs neither tsx nor the coordinator's dependencies at runtime. Native
 * modules (better-sqlite3) stay external and ship beside the bundle.
 */
import path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

/**
 * Packages that are loaded from node_modules at runtime instead of being bundled: the two
 * builds of better-sqlite3 that common/src/sqlite.ts chooses between.
 */
export const EXTERNAL_PACKAGES = ['better-sqlite3', 'better-sqlite3-napi'] as const;

/** Options of {@link bundleEntry}. */
export interface BundleOptions {
  entry: string;
  outfile: string;
  /** The version common/src/version.ts reports; fixed at build time. */
  version: string;
}

/**
 * common/src/version.ts reads package.json next to the sources; a bundle lives elsewhere, so the
 * version is inlined instead (taken from the same package.json by the caller).
 */
export function inlineVersion(version: string): Plugin {
  return {
    name: 'deckhand-inline-version',
    setup(b) {
      b.onLoad({ filter: /[\\/]common[\\/]src[\\/]version\.ts$/ }, () => ({
        contents: `export const DECKHAND_VERSION = ${JSON.stringify(version)};\n`,
        loader: 'ts',
      }));
    },
  };
}

/**
 * Some bundled CommonJS dependencies call `require` for Node built-ins; an ESM bundle has no
 * `require`, so one is made from the bundle's own URL.
 */
export const REQUIRE_SHIM = "import { createRequire as __deckhandCreateRequire } from 'node:module';\nconst require = __deckhandCreateRequire(import.meta.url);";

/**
 * Writes the bundle of `entry` to `outfile`; returns what went into which file (esbuild's
 * metafile). Throws when esbuild reports an error.
 */
export async function bundleEntry(opts: BundleOptions): Promise<Metafile> {
  const result = await build({
    // Split, so that modules the agent imports lazily (the AWS SDK, used only for s3://
    // revisions) stay in chunks beside the entry and are parsed only when used: one file with
    // everything inlined costs every agent about 30 MB of resident memory.
    entryPoints: { [path.basename(opts.outfile, '.mjs')]: opts.entry },
    outdir: path.dirname(opts.outfile),
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Whitespace only: V8 keeps each module's source in memory for the process's lifetime, and
    // comments are most of it; one non-Latin-1 character in a comment (an em dash) doubled the
    // string to two bytes a character. About 3 MB less resident; identifiers stay readable in
    // stack traces (which then point at line 1, column N).
    minifyWhitespace: true,
    external: [...EXTERNAL_PACKAGES],
    plugins: [inlineVersion(opts.version)],
    banner: { js: REQUIRE_SHIM },
    legalComments: 'linked',
    logLevel: 'silent',
    metafile: true,
  });
  return result.metafile;
}
