import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { bundleEntry } from '../../../installers/package/bundle.ts';

const execFileP = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/**
 * A script bundled as the agent is (installers/package/bundle.ts), run on this Node.js; prints
 * what it writes to stdout as JSON. `loaded(name)` tells whether a built-in module is loaded.
 */
async function runBundled(dir: string, name: string, source: string): Promise<{ out: Record<string, unknown>; meta: Metafile }> {
  const entry = path.join(dir, `${name}.ts`);
  fs.writeFileSync(entry, `const loaded = (m: string): boolean => process.moduleLoadList.includes('NativeModule ' + m);\n${source}`);
  const meta = await bundleEntry({ entry, outfile: path.join(dir, 'out', `${name}.mjs`), version: '0.0.0' });
  const { stdout } = await execFileP(process.execPath, [path.join(dir, 'out', `${name}.mjs`)], { env: { ...process.env, HTTPS_PROXY: 'http://127.0.0.1:9' } });
  return { out: JSON.parse(stdout) as Record<string, unknown>, meta };
}

/** Each package's path in the repository's node_modules, for imports from a temporary folder. */
const pkg = (p: string): string => JSON.stringify(path.join(ROOT, 'node_modules', p));

describe('bundles load some modules only when used (installers/package/lazy-modules.ts)', function () {
  this.timeout(60_000);
  let dir: string;
  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-lazy-modules-'));
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads https-proxy-agent (and node:tls, node:assert) when a proxy agent is first made, and it works', async function () {
    const { out } = await runBundled(
      dir,
      'proxy',
      `import { proxyAgentFor } from ${JSON.stringify(path.join(ROOT, 'common', 'src', 'proxy.ts'))};
const before = { tls: loaded('tls'), assert: loaded('assert') };
const agent = proxyAgentFor('https://coordinator.example/');
process.stdout.write(JSON.stringify({ before, agent: agent?.constructor.name, proxy: String((agent as unknown as { proxy: URL }).proxy), after: { tls: loaded('tls'), assert: loaded('assert') } }));`,
    );
    assert.deepEqual(out, { before: { tls: false, assert: false }, agent: 'HttpsProxyAgent', proxy: 'http://127.0.0.1:9/', after: { tls: true, assert: true } });
  });

  it('gives ws node:zlib only when a connection compresses, and compression then works', async function () {
    const { out } = await runBundled(
      dir,
      'ws',
      `import { WebSocket, WebSocketServer } from ${pkg('ws/wrapper.mjs')};
const before = loaded('zlib');
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
wss.on('connection', (s) => s.on('message', (m) => s.send('echo ' + String(m))));
wss.on('listening', () => {
  const ws = new WebSocket('ws://127.0.0.1:' + (wss.address() as { port: number }).port, { perMessageDeflate: { threshold: 0 } });
  ws.on('open', () => ws.send('x'.repeat(1000)));
  ws.on('message', (m) => {
    process.stdout.write(JSON.stringify({ before, extensions: ws.extensions, echoed: String(m).length, after: loaded('zlib') }));
    ws.close();
    wss.close();
  });
});`,
    );
    assert.deepEqual(out, { before: false, extensions: 'permessage-deflate', echoed: 1005, after: true });
  });

  it("builds winston on Node.js's own streams and diagnostics' production build, and it logs", async function () {
    const { out, meta } = await runBundled(
      dir,
      'winston',
      `import winston from ${pkg('winston/lib/winston.js')};
import { Writable } from 'node:stream';
const lines: string[] = [];
const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
const logger = winston.createLogger({ transports: [new winston.transports.Stream({ stream, format: winston.format.json() })] });
logger.info('hello', { n: 1 });
logger.on('finish', () => setTimeout(() => process.stdout.write(JSON.stringify({ lines, tty: loaded('tty') })), 10));
logger.end();`,
    );
    assert.deepEqual(out, { lines: ['{"level":"info","message":"hello","n":1}\n'], tty: false });
    const inputs = Object.keys(meta.inputs);
    assert.deepEqual(inputs.filter((f) => /node_modules\/(readable-stream|@dabh\/diagnostics\/node\/development|@so-ric\/colorspace|kuler)\//.test(f) || f.includes('diagnostics/node/development')), []);
  });
});
