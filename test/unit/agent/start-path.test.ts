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

  it('imports Node.js built-ins with require: an ES import of node:http loads undici (about 14 MB)', function () {
    const esImports = Object.values(meta.outputs)
      .flatMap((out) => out.imports)
      .filter((i) => i.external && i.kind === 'import-statement' && i.path !== 'node:module');
    assert.deepEqual(esImports.map((i) => i.path), []);
  });
});
