/**
 * Modules that libraries load at start but that a Deckhand process uses only on some paths or
 * never, kept out of its start (README, Performance: the agent's idle RSS). A bundle keeps them,
 * but they are evaluated on first use instead of when the library loads:
 *
 * - `https-proxy-agent` (with agent-base, debug, node:tls and node:assert), needed only when a
 *   proxy is configured (common/src/proxy.ts);
 * - `node:zlib` for ws, which needs it only for permessage-deflate (off on both sides: the agent's
 *   connection and the coordinator's hub), and for rotating-file-stream, which needs it only
 *   with its `compress` option (not used);
 * - `@dabh/diagnostics`, winston's debug output: its production build, what
 *   `NODE_ENV=production` selects, instead of the development one that loads colorspace, kuler
 *   and node:tty to colour messages nobody enabled;
 * - `readable-stream` (a copy of Node.js 10's streams) for winston and winston-transport: Node's
 *   own streams, which are loaded anyway (what readable-stream's `READABLE_STREAM=disable` does).
 *
 * Measured on the packaged agent idle for 60 s (bench/README.md): 0.5 to 0.8 MB each.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Plugin } from 'esbuild';

const requireHere = createRequire(import.meta.url);

/** A module loaded on first use of one of its exports, for the importers that match. */
export interface LazyModule {
  /** What the importers import (`zlib`, `https-proxy-agent`). */
  specifier: string;
  /** Importers (resolved paths) whose import becomes lazy; others load it as usual. */
  importers: RegExp;
}

/** The modules {@link lazyModules} defers by default. */
export const LAZY_MODULES: readonly LazyModule[] = [
  { specifier: 'https-proxy-agent', importers: /[\\/]common[\\/]src[\\/]proxy\.ts$/ },
  { specifier: 'zlib', importers: /[\\/]node_modules[\\/](ws|rotating-file-stream)[\\/]/ },
];

/** Packages replaced, for the importers that match, by another file (see the module comment). */
const REPLACED: readonly { specifier: RegExp; importers: RegExp; contents: string }[] = [
  {
    specifier: /^@dabh\/diagnostics$/,
    importers: /[\\/]node_modules[\\/]winston[\\/]/,
    contents: `module.exports = require(${JSON.stringify('@dabh/diagnostics/node/production.js')});\n`,
  },
  {
    specifier: /^readable-stream$/,
    importers: /[\\/]node_modules[\\/]winston[\\/]/,
    contents:
      "const s = require('node:stream');\n" +
      'module.exports = { Stream: s, Readable: s.Readable, Writable: s.Writable, Duplex: s.Duplex, Transform: s.Transform, PassThrough: s.PassThrough, finished: s.finished, pipeline: s.pipeline };\n',
  },
  {
    specifier: /^readable-stream\/lib\/_stream_writable(\.js)?$/,
    importers: /[\\/]node_modules[\\/]winston-transport[\\/]/,
    contents: "module.exports = require('node:stream').Writable;\n",
  },
];

/**
 * The export names of `specifier` as this process sees it, non-enumerable ones included (ws
 * reads zlib's legacy constants such as `Z_SYNC_FLUSH`, which are).
 */
function exportNames(specifier: string): string[] {
  const loaded = requireHere(specifier) as Record<string, unknown>;
  return Object.getOwnPropertyNames(loaded).filter((k) => k !== 'default' && k !== '__esModule');
}

/**
 * A CommonJS module whose exports are getters that load `specifier` on first read. Importers
 * that use `import { X }` get esbuild's interop, which copies getters, not values; importers
 * that `require` it read the properties when they call them.
 */
export function lazyModuleSource(specifier: string, names: readonly string[]): string {
  const target = /^[a-z_]+$/.test(specifier) ? `node:${specifier}` : specifier;
  const props = names.map((n) => `  ${JSON.stringify(n)}: { enumerable: true, get: () => load()[${JSON.stringify(n)}] },`).join('\n');
  return `let loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(target)}));\nObject.defineProperties(module.exports, {\n${props}\n});\n`;
}

/** The esbuild plugin: lazy modules and replaced packages, for their importers only. */
export function lazyModules(lazy: readonly LazyModule[] = LAZY_MODULES): Plugin {
  const namespace = 'deckhand-lazy';
  return {
    name: 'deckhand-lazy-modules',
    setup(b) {
      for (const [i, m] of lazy.entries()) {
        const filter = new RegExp(`^(node:)?${m.specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
        b.onResolve({ filter }, (args) => (args.namespace === 'file' && m.importers.test(args.importer) ? { path: `${i}:${m.specifier}`, namespace, pluginData: path.dirname(args.importer) } : undefined));
      }
      for (const [i, r] of REPLACED.entries()) {
        b.onResolve({ filter: r.specifier }, (args) =>
          args.namespace === 'file' && r.importers.test(args.importer) ? { path: `replaced-${i}:${args.path}`, namespace, pluginData: path.dirname(args.importer) } : undefined,
        );
      }
      b.onLoad({ filter: /.*/, namespace }, (args) => {
        const [key, specifier = ''] = args.path.split(/:(.*)/s);
        const replaced = key?.startsWith('replaced-') ? REPLACED[Number(key.slice('replaced-'.length))] : undefined;
        const contents = replaced ? replaced.contents : lazyModuleSource(specifier, exportNames(specifier));
        // Resolved from the importer's folder, as its own import would be.
        return { contents, loader: 'js', resolveDir: args.pluginData as string };
      });
    },
  };
}
