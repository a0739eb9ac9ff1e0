import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Metafile } from 'esbuild';
import { bundleEntry } from '../../../installers/package/bundle.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/** The source files and packages that go into the agent bundle's entry file (read at start). */
function entryInputs(meta: Metafile): string[] {
  const [, entry] = Object.entries(meta.outputs).find(([file]) => file.endsWith('deckhand-agent.mjs')) ?? [];
  assert.ok(entry, 'the bundle has an entry file');
  return Object.keys(entry.inputs);
}

/**
 * What the agent loads when it starts is resident for as long as it runs, on every host: these
 * keep the libraries it does not need at start out of the entry file of its bundle (README,
 * Performance: the agent's idle RSS).
 */
describe('the agent as bundled', function () {
  this.timeout(60_000);
  let dir: string;
  let inputs: string[];
  let meta: Metafile;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-start-path-'));
    meta = await bundleEntry({ entry: path.join(ROOT, 'agent', 'src', 'main.ts'), outfile: path.join(dir, 'deckhand-agent.mjs'), version: '0.0.0' });
    inputs = entryInputs(meta);
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts without classic zod: the wire schemas are zod/mini', function () {
    assert.deepEqual(inputs.filter((f) => /node_modules\/zod\/v4\/(classic|locales\/(?!en\.js))/.test(f)), []);
  });

  it('starts without the API schemas of protocol/ (only the wire frames and their values)', function () {
    const api = ['index.ts', 'api.ts', 'orchestration.ts', 'rollout.ts', 'access.ts'].map((f) => `protocol/src/${f}`);
    assert.deepEqual(inputs.filter((f) => api.some((a) => f.endsWith(a))), []);
  });

  it('starts without node-cron, which the maintenance schedule runs in a child process', function () {
    assert.deepEqual(inputs.filter((f) => f.includes('node_modules/node-cron/')), []);
  });

  it('starts without systeminformation, which the inventory runs in a child process', function () {
    assert.deepEqual(inputs.filter((f) => f.includes('node_modules/systeminformation/')), []);
  });

  it('starts without node-tar and yauzl, which load when a bundle is unpacked', function () {
    assert.deepEqual(inputs.filter((f) => /node_modules\/(tar|yauzl)\//.test(f)), []);
  });

  it("starts winston on Node.js's streams, without readable-stream or diagnostics' colouring (installers/package/lazy-modules.ts)", function () {
    assert.deepEqual(inputs.filter((f) => /node_modules\/(readable-stream|@so-ric\/colorspace|kuler)\/|@dabh\/diagnostics\/node\/development/.test(f)), []);
  });

  it('gives ws and rotating-file-stream node:zlib, and proxy.ts https-proxy-agent, only when used', function () {
    const lazy = inputs.filter((f) => /^deckhand-lazy:\d+:/.test(f)).map((f) => f.replace(/^deckhand-lazy:\d+:/, ''));
    assert.deepEqual([...new Set(lazy)].sort(), ['https-proxy-agent', 'zlib']);
    // Nothing else imports them directly: what is in the entry file is evaluated on first use only.
    // winston's File transport does, but winston loads it only when transports.File is read (the
    // log file is rotating-file-stream's).
    const direct = Object.entries(meta.inputs).filter(([file, input]) => !file.startsWith('deckhand-lazy:') && !file.endsWith('winston/transports/file.js') && input.imports.some((i) => /^(deckhand-builtin:)?(node:)?zlib$|^https-proxy-agent$/.test(i.path) || i.path.endsWith('https-proxy-agent/dist/index.js')) && inputs.includes(file));
    assert.deepEqual(direct.map(([file]) => file), []);
  });

  it('imports Node.js built-ins with require: an ES import of node:http loads undici (about 14 MB)', function () {
    const esImports = Object.values(meta.outputs)
      .flatMap((out) => out.imports)
      .filter((i) => i.external && i.kind === 'import-statement' && i.path !== 'node:module');
    assert.deepEqual(esImports.map((i) => i.path), []);
  });
});
