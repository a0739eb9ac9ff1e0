import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WebSocketServer } from 'ws';
import { openSqlite } from '../../common/src/sqlite.ts';
import { certificateSha256, displayFingerprint } from '../../common/src/tls-trust.ts';
import { ensureAutoTls } from '../../coordinator/src/tls/auto.ts';
import { certificateNames } from '../../coordinator/src/tls/names.ts';
import { AGENT_CONNECT_PATH, makeFrame } from '../../protocol/src/index.ts';
import { appspec, makeTgz, RECORD_HOOK } from './bundles.ts';
import { Cluster, REPO_ROOT, stopProcess, waitFor } from './cluster.ts';
import { FakeHost, LAYOUT } from './install-host.ts';
import { buildAddonFor, defaultCacheDir, fetchRuntime } from '../../installers/package/runtime.ts';
import { findPlatform } from '../../installers/package/platforms.ts';
import type { ChildProcess } from 'node:child_process';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.ts';

const execFileP = promisify(execFile);
const AGENT = path.join(REPO_ROOT, 'bin', 'deckhand-agent.js');

/** Registers a host with `args`; resolves with the exit code and output (never rejects). */
async function register(cluster: Cluster, root: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const token = await cluster.api('POST', '/v1/registration-tokens', { ttlSeconds: 600, maxUses: 1 });
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [AGENT, 'register', '--coordinator', cluster.url, '--token', token.body.token, '--root', root, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function deployTo(cluster: Cluster, group: string): Promise<any> {
  const bundle = await makeTgz({ 'appspec.yml': appspec({ AfterInstall: 'scripts/record.sh' }), 'scripts/record.sh': RECORD_HOOK, 'site/index.html': 'tls\n' });
  const revision = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', bundle);
  const created = await cluster.api('POST', '/v1/deployments', {
    applicationName: 'shop', deploymentGroupName: group, revisionId: revision.body.revisionId, deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return cluster.waitForDeployment(created.body.deploymentId);
}

describe('TLS with an automatic CA, pinned by agents (coordinator and agents on loopback)', function () {
  this.timeout(120_000);
  let proxy: ConnectProxy;
  // Every agent connection goes through a real CONNECT proxy, as HTTPS_PROXY makes it.
  const agentEnv: NodeJS.ProcessEnv = { NO_PROXY: '' };
  const cluster = new Cluster({ coordinatorArgs: ['--tls', 'auto'], registerArgs: (c) => ['--ca-sha256', c.caSha256()], agentEnv });

  before(async function () {
    proxy = await startConnectProxy();
    agentEnv['HTTPS_PROXY'] = proxy.url;
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    for (const group of ['pinned']) {
      await cluster.api('POST', '/v1/applications/shop/deployment-groups', { name: group, tagFilters: [{ key: 'tls', value: group, type: 'KEY_AND_VALUE' }] });
    }
  });
  after(async function () {
    await cluster.stop();
    await proxy.close();
  });

  it('serves HTTPS and prints the CA fingerprint it keeps under the data directory', function () {
    assert.match(cluster.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const info = JSON.parse(readFileSync(path.join(cluster.dir, 'coordinator', 'coordinator.json'), 'utf8')) as { caSha256: string };
    assert.equal(info.caSha256, certificateSha256(cluster.caPem!));
    assert.match(cluster.logs(), new RegExp(`CA fingerprint \\(agents pin it: --ca-sha256 ${info.caSha256}\\)`));
  });

  it('registers an agent with the fingerprint, through the proxy, and deploys to it over WSS', async function () {
    const agent = await cluster.addAgent({ tls: 'pinned' });
    const done = await deployTo(cluster, 'pinned');
    assert.equal(done.status, 'Succeeded', JSON.stringify(done) + cluster.logs());
    assert.equal(readFileSync(path.join(agent.destRoot, 'srv', 'app', 'index.html'), 'utf8'), 'tls\n');
    const target = new URL(cluster.url).host;
    assert.ok(proxy.tunnels.filter((t) => t === target).length >= 3, `registration, WebSocket and bundle download through the proxy: ${proxy.tunnels.join(', ')}`);
  });

  it('refuses to register with a wrong fingerprint, naming both, and writes no identity', async function () {
    const root = path.join(cluster.dir, 'wrong-pin');
    const wrong = 'ab'.repeat(32);
    const run = await register(cluster, root, ['--ca-sha256', wrong]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /presented no certificate with the pinned CA fingerprint abab/);
    assert.match(run.stderr, new RegExp(cluster.caSha256().slice(0, 4)));
    const { status, body } = await cluster.api('GET', '/v1/instances');
    assert.equal(status, 200);
    assert.equal(body.instances.length, 1, 'only the pinned agent is registered');
  });

  it('refuses a plain-http coordinator URL once a CA is pinned', async function () {
    const run = await register(cluster, path.join(cluster.dir, 'plain'), ['--ca-sha256', cluster.caSha256()], {});
    assert.equal(run.code, 0, run.stderr);
    const token = await cluster.api('POST', '/v1/registration-tokens', { ttlSeconds: 600, maxUses: 1 });
    const plain = cluster.url.replace('https://', 'http://');
    await assert.rejects(
      execFileP(process.execPath, [AGENT, 'register', '--coordinator', plain, '--token', token.body.token, '--root', path.join(cluster.dir, 'plain2'), '--ca-sha256', cluster.caSha256()]),
      (err: { stderr: string }) => /must be an https:\/\/ URL/.test(err.stderr),
    );
  });

  it('lets the CLI check the coordinator by fingerprint, and refuses a wrong one', async function () {
    const ok = await cluster.cli(['instances', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await cluster.cli(['instances', '--ca-sha256', 'cd'.repeat(32)]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /presented no certificate with the pinned CA fingerprint cdcd/);
  });
});

describe('an agent pinned to its coordinator, facing an impostor', function () {
  this.timeout(120_000);
  const cluster = new Cluster({ coordinatorArgs: ['--tls', 'auto'], registerArgs: (c) => ['--ca-sha256', c.caSha256()] });
  let agent: Awaited<ReturnType<Cluster['addAgent']>>;
  const port = (): number => Number(new URL(cluster.url).port);

  before(async function () {
    await cluster.start();
    agent = await cluster.addAgent({ tls: 'impostor' });
  });
  after(async () => cluster.stop());

  it('does not connect to another coordinator (another certificate) at its address, and says why', async function () {
    await cluster.killCoordinator();
    const fake = await startFakeCoordinator(port());
    try {
      await waitFor('the agent to refuse the impostor', () => (/presented no certificate with the pinned CA fingerprint/.test(cluster.logs()) ? true : undefined), 30_000);
      assert.equal(fake.upgrades, 0, 'the impostor never saw a WebSocket upgrade');
      assert.match(cluster.logs(), new RegExp(`pinned CA fingerprint ${displayFingerprint(cluster.caSha256()).slice(0, 9)}`));
    } finally {
      await fake.close();
    }
    await cluster.restartCoordinator();
    await waitFor('the agent to reconnect to its own coordinator', async () => {
      const { body } = await cluster.api('GET', '/v1/instances');
      return body.instances.some((i: { instanceId: string; connected: boolean }) => i.instanceId === agent.instanceId && i.connected) ? true : undefined;
    });
  });

  it('refuses a correctly framed but unsigned deploy from a server holding the right certificate: nothing runs, a coded error is reported', async function () {
    await cluster.killCoordinator();
    const tlsDir = path.join(cluster.dir, 'coordinator', 'tls');
    const rogue = await startRogueServer(port(), readFileSync(path.join(tlsDir, 'server.pem'), 'utf8'), readFileSync(path.join(tlsDir, 'server-key.pem'), 'utf8'));
    try {
      const refused = await waitFor('the agent to refuse the unsigned deploy', () => rogue.received.find((f) => f.type === 'agent.command.refused'), 30_000);
      assert.equal(refused.body.errorCode, 'COMMAND_SIGNATURE_INVALID');
      assert.equal(refused.body.commandId, ROGUE_COMMAND_ID);
      assert.match(refused.body.message, /carries no signature/);
    } finally {
      await rogue.close();
    }
    const db = openSqlite(path.join(agent.root, 'agent.db'), { readonly: true });
    try {
      assert.equal((db.prepare('SELECT count(*) AS n FROM commands').get() as { n: number }).n, 0, 'the command was never journaled');
      const refusals = db.prepare('SELECT frame_type, command_id, code FROM refusals').all() as Array<{ frame_type: string; command_id: string; code: string }>;
      assert.deepEqual(refusals.filter((r) => r.command_id === ROGUE_COMMAND_ID).map((r) => r.code), ['COMMAND_SIGNATURE_INVALID']);
    } finally {
      db.close();
    }
    assert.equal(existsSync(path.join(agent.root, 'deployments')), false, 'no deployment folder: nothing ran');
    await cluster.restartCoordinator();
  });
});

const ROGUE_COMMAND_ID = 'c-ROGUE00001';

/** Another coordinator (its own CA) listening on `port`, counting WebSocket upgrades. */
async function startFakeCoordinator(port: number): Promise<{ upgrades: number; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-fake-'));
  const auto = await ensureAutoTls(dir, certificateNames('127.0.0.1', []));
  const state = { upgrades: 0 };
  const server = https.createServer({ cert: auto.certChainPem, key: auto.keyPem }, (_req, res) => res.writeHead(200).end('{}'));
  server.on('upgrade', (_req, socket) => {
    state.upgrades += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    get upgrades() {
      return state.upgrades;
    },
    close: () => new Promise<void>((resolve) => server.close(() => (rmSync(dir, { recursive: true, force: true }), resolve()))).then(() => undefined),
  };
}

/** A server with the coordinator's own certificate (a TLS-terminating proxy, say) that sends an unsigned deploy. */
async function startRogueServer(port: number, cert: string, key: string): Promise<{ received: Array<{ type: string; body: any }>; close(): Promise<void> }> {
  const received: Array<{ type: string; body: any }> = [];
  const server = https.createServer({ cert, key });
  const wss = new WebSocketServer({ server, path: AGENT_CONNECT_PATH });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => received.push(JSON.parse(String(data))));
    const deploy = {
      deploymentId: 'd-ROGUE00001', applicationName: 'shop', deploymentGroupName: 'impostor', deploymentGroupId: 'g-ROGUE00001',
      revision: { revisionId: 'r-ROGUE00001', sha256: '0'.repeat(64), bundleType: 'tgz', size: 1, location: { kind: 'url', url: 'https://127.0.0.1:1/x.tgz' } },
      fileExistsBehavior: 'OVERWRITE', ignoreApplicationStopFailures: false, parameters: {},
    };
    ws.send(JSON.stringify(makeFrame('coord.command', 'f-1', { commandId: ROGUE_COMMAND_ID, deploymentId: 'd-ROGUE00001', epoch: 0, kind: 'deploy', deploy })));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    received,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => server.close(() => resolve())));
    },
  };
}

describe('the install line deckhand tokens create --install-line prints, against a coordinator with its own CA', function () {
  this.timeout(20 * 60_000);
  const cluster = new Cluster({ coordinatorArgs: ['--tls', 'auto'] });
  let host: FakeHost;
  let agent: ChildProcess | undefined;

  before(async function () {
    // The package carries its runtime and better-sqlite3 compiled for it: made once, cached.
    const platform = findPlatform(`linux-${process.arch}`)!;
    const cache = defaultCacheDir(REPO_ROOT);
    await buildAddonFor(await fetchRuntime(platform, cache), platform, REPO_ROOT, cache);
    await cluster.start();
    host = new FakeHost(path.join(cluster.dir, 'host'));
  });
  after(async function () {
    if (agent) await stopProcess(agent);
    await cluster.stop();
  });

  it('checks the CA by its fingerprint, installs over HTTPS trusting only that CA, and the agent pins it', async function () {
    const printed = await cluster.cli(['tokens', 'create', '--tag', 'via=line', '--install-line', '--json']);
    assert.equal(printed.code, 0, printed.stderr);
    const line = (JSON.parse(printed.stdout) as { installLines: { linux: string } }).installLines.linux;
    assert.match(line, new RegExp(`--ca-sha256 ${cluster.caSha256()}$`));
    const run = await host.runLine(line);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const db = openSqlite(host.path(`${LAYOUT.state}/agent.db`), { readonly: true });
    try {
      const row = db.prepare('SELECT ca_sha256 FROM identity').get() as { ca_sha256: string };
      assert.equal(row.ca_sha256, cluster.caSha256());
    } finally {
      db.close();
    }
    const log: string[] = [];
    agent = host.startAgent(['--dest-root', path.join(cluster.dir, 'dest')], log);
    await waitFor('the installed agent to connect over WSS', async () => {
      const { body } = await cluster.api('GET', '/v1/instances');
      return body.instances.some((i: { connected: boolean; tags: Record<string, string> }) => i.connected && i.tags['via'] === 'line') ? true : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}: ${log.join('')}`);
    });
  });

  it('refuses to install from a coordinator presenting another CA than the line pins', async function () {
    const printed = await cluster.cli(['tokens', 'create', '--install-line', '--json']);
    const line = (JSON.parse(printed.stdout) as { installLines: { linux: string } }).installLines.linux.replaceAll(cluster.caSha256(), 'ef'.repeat(32));
    const other = new FakeHost(path.join(cluster.dir, 'host2'));
    const run = await other.runLine(line);
    assert.notEqual(run.code, 0);
    assert.equal(existsSync(other.path(LAYOUT.prefix)), false, 'nothing was installed');
  });
});

/** A CA and a client certificate it signs (extKeyUsage clientAuth), PEM, for --client-ca. */
async function clientPki(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const { generate } = (await import('selfsigned')).default as unknown as typeof import('selfsigned');
  const ca = await generate([{ name: 'commonName', value: 'test client CA' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, critical: true }],
  });
  const leaf = await generate([{ name: 'commonName', value: 'agent' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', ca: { key: ca.private, cert: ca.cert },
    extensions: [{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, critical: true }, { name: 'extKeyUsage', clientAuth: true }],
  });
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.private };
}

describe('a coordinator that also requires client certificates of agents (--client-ca)', function () {
  this.timeout(120_000);
  let pki: Awaited<ReturnType<typeof clientPki>>;
  let cluster: Cluster;
  let dir: string;

  before(async function () {
    pki = await clientPki();
    dir = mkdtempSync(path.join(tmpdir(), 'dh-mtls-'));
    writeFileSync(path.join(dir, 'client-ca.pem'), pki.caPem);
    writeFileSync(path.join(dir, 'client.pem'), pki.certPem);
    writeFileSync(path.join(dir, 'client-key.pem'), pki.keyPem, { mode: 0o600 });
    writeFileSync(path.join(dir, 'agent.yml'), `tlsClientCert: ${path.join(dir, 'client.pem')}\ntlsClientKey: ${path.join(dir, 'client-key.pem')}\n`);
    writeFileSync(path.join(dir, 'empty.yml'), '');
    cluster = new Cluster({ coordinatorArgs: ['--tls', 'auto', '--client-ca', path.join(dir, 'client-ca.pem')], registerArgs: (c) => ['--ca-sha256', c.caSha256(), '--config', path.join(dir, 'agent.yml')] });
    await cluster.start();
  });
  after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects an agent that presents a client certificate signed by that CA', async function () {
    const host = await cluster.registerHost({ mtls: 'yes' });
    await cluster.runAgent(host, ['--config', path.join(dir, 'agent.yml')]);
  });

  it('refuses an agent without one, saying what is required', async function () {
    const host = await cluster.registerHost({ mtls: 'no' });
    await assert.rejects(cluster.runAgent(host, ['--config', path.join(dir, 'empty.yml')]), /to connect/);
    assert.match(cluster.logs(), /a client certificate signed by the coordinator's --client-ca is required/);
  });
});
