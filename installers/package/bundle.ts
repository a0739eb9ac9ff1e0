/**
 * Bundles a TypeScript entry point and everything it imports into one ESM file with esbuild, so
 * the agent package needs neither tsx nor the coordinator's dependencies at runtime. Native
 * modules (better-sqlite3) stay external and ship beside the bundle.
 */
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { lazyModules } from './lazy-modules.ts';

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

/** Node.js's built-in modules, with and without their `node:` prefix. */
const BUILTINS = new Set(builtinModules.flatMap((m) => (m.startsWith('node:') ? [m, m.slice(5)] : [m, `node:${m}`])));

/**
 * Loads the Node.js built-ins that bundled ES modules import with `require` instead of `import`.
 * An ES import of a built-in builds a namespace from every export, and that reads every lazy
 * getter: `import 'node:http'` evaluates `http.WebSocket` and friends, which load undici, Node's
 * fetch (about 14 MB resident on Node.js 24 in a process that never calls it); `import 'node:fs'`
 * loads fs/promises and readline (2.6 MB), `import 'node:util'` 2.4 MB. `require` returns the
 * same module object without touching its getters. Bundled CommonJS packages already go
 * through `require` ({@link REQUIRE_SHIM}); this does the same for our own sources.
 */
export function builtinsViaRequire(): Plugin {
  const namespace = 'deckhand-builtin';
  return {
    name: 'deckhand-builtins-via-require',
    setup(b) {
      b.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) => {
        if ((args.kind !== 'import-statement' && args.kind !== 'dynamic-import') || !BUILTINS.has(args.path)) return undefined;
        return { path: args.path.startsWith('node:') ? args.path : `node:${args.path}`, namespace };
      });
      // A CommonJS module of one line: esbuild's interop then gives named and default imports.
      b.onLoad({ filter: /.*/, namespace }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});\n`, loader: 'js' }));
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
    plugins: [lazyModules(), inlineVersion(opts.version), builtinsViaRequire()],
    banner: { js: REQUIRE_SHIM },
    legalComments: 'linked',
    logLevel: 'silent',
    metafile: true,
  });
  return result.metafile;
}
