import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './api/harness.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/deckhand-coordinator.js');

function envWithout(...keys: string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of keys) delete env[k];
  return env;
}

/** Starts the coordinator and resolves with its stdout once it says it is listening. */
function startCoordinator(dataDir: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; stdout: string; url: string }> {
  const child = spawn(process.execPath, [BIN, 'start', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const m = /Deckhand coordinator listening on (http:\/\/\S+)/.exec(stdout);
      if (m?.[1]) resolve({ child, stdout, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`coordinator exited early with ${code}`)));
  });
}

/** The child's exit code, or its signal name when a signal killed it. */
function exitCode(child: ChildProcess): Promise<number | string | null> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
}

function rawUpgrade(url: string, urlPath: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`GET ${urlPath} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    });
    let data = '';
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('deckhand-coordinator', () => {
  let dir: string;
  let remove: () => void;
  let child: ChildProcess | undefined;
  beforeEach(() => ({ dir, remove } = tempDir()));
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
    remove();
  });

  it('prints a generated admin token once, serves the API, and stops cleanly on SIGTERM', async () => {
    const dataDir = path.join(dir, 'data');
    const started = await startCoordinator(dataDir, envWithout('DECKHAND_ADMIN_TOKEN'));
    child = started.child;
    const token = /admin token: (\S+)/.exec(started.stdout)?.[1];
    assert.ok(token);
    assert.deepEqual(await (await fetch(`${started.url}/healthz`)).json(), { ok: true });
    const apps = await fetch(`${started.url}/v1/applications`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(apps.status, 200);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dataDir, 'coordinator.json'), 'utf8')), { url: started.url, pid: child.pid });
    assert.ok(fs.existsSync(path.join(dataDir, 'logs', 'coordinator.log')));
    const exited = exitCode(child);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);

    const again = await startCoordinator(dataDir, envWithout('DECKHAND_ADMIN_TOKEN'));
    child = again.child;
    assert.doesNotMatch(again.stdout, /admin token:/);
    const exitedAgain = exitCode(child);
    child.kill('SIGINT');
    assert.equal(await exitedAgain, 0);
  });

  it('accepts DECKHAND_ADMIN_TOKEN without printing it', async () => {
    const started = await startCoordinator(dir, { ...process.env, DECKHAND_ADMIN_TOKEN: 'dh_from_env' });
    child = started.child;
    assert.doesNotMatch(started.stdout, /admin token:/);
    const res = await fetch(`${started.url}/v1/applications`, { headers: { authorization: 'Bearer dh_from_env' } });
    assert.equal(res.status, 200);
  });

  it('refuses a WebSocket upgrade on another path with 404', async () => {
    const started = await startCoordinator(dir, envWithout('DECKHAND_ADMIN_TOKEN'));
    child = started.child;
    assert.match(await rawUpgrade(started.url, '/v1/elsewhere'), /^HTTP\/1.1 404/);
  });

  it('refuses an unsigned agent connection with 401', async () => {
    const started = await startCoordinator(dir, envWithout('DECKHAND_ADMIN_TOKEN'));
    child = started.child;
    assert.match(await rawUpgrade(started.url, '/v1/agent/connect'), /^HTTP\/1.1 401/);
  });

  it('exits 2 with a clear message on bad arguments', () => {
    const res = spawnSync(process.execPath, [BIN, 'start'], { encoding: 'utf8' });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /--data-dir is required/);
  });

  it('prints usage and exits 0 on --help', () => {
    const res = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    assert.equal(res.status, 0);
    assert.match(res.stdout, /Usage: deckhand-coordinator start --data-dir DIR/);
  });
});
