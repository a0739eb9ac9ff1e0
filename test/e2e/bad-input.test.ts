import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { SIGNATURE_HEADERS, signingPayload } from '../../protocol/src/index.ts';
import { Cluster, REPO_ROOT } from './cluster.ts';

const execFileP = promisify(execFile);

/** Opens a signed WebSocket as `instanceId` with `privateKey`; resolves with the HTTP status of a refusal, or 101. */
function connectAs(url: string, instanceId: string, privateKey: ReturnType<typeof generateKeyPairSync>['privateKey']): Promise<number> {
  const urlPath = '/v1/agent/connect';
  const timestamp = String(Date.now());
  const nonce = randomBytes(16).toString('base64url');
  const signature = sign(null, signingPayload({ instanceId, timestamp, nonce, method: 'GET', path: urlPath }), privateKey).toString('base64');
  const ws = new WebSocket(url.replace(/^http/, 'ws') + urlPath, {
    headers: {
      [SIGNATURE_HEADERS.instance]: instanceId,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.signature]: signature,
    },
  });
  return new Promise((resolve, reject) => {
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}

async function registerWith(cluster: Cluster, token: string): Promise<{ code: number; stderr: string }> {
  const root = mkdtempSync(path.join(tmpdir(), 'dh-reg-'));
  try {
    await execFileP(process.execPath, [path.join(REPO_ROOT, 'bin', 'deckhand-agent.js'), 'register', '--coordinator', cluster.url, '--token', token, '--root', root]);
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('bad input at the coordinator and agent boundaries', function () {
  this.timeout(60_000);
  const cluster = new Cluster();

  before(() => cluster.start());
  after(() => cluster.stop());

  it('answers 401 to an API call without a token', async function () {
    const res = await fetch(`${cluster.url}/v1/applications`);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as any).error.code, 'AUTH_FAILED');
  });

  it('answers 401 to an API call with a wrong token', async function () {
    const res = await fetch(`${cluster.url}/v1/applications`, { headers: { authorization: 'Bearer dh_wrong' } });
    assert.equal(res.status, 401);
  });

  it('answers 400 naming the missing field of a deployment request', async function () {
    const res = await cluster.api('POST', '/v1/deployments', { applicationName: 'x', revisionId: 'r-ABCDEFGH' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_FAILED');
    assert.equal(res.body.error.field, 'deploymentGroupName');
  });

  it('answers 400 naming a field of the wrong type', async function () {
    const res = await cluster.api('POST', '/v1/applications', { name: 42 });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.field, 'name');
  });

  it('refuses to register a host with an unknown registration token', async function () {
    const { code, stderr } = await registerWith(cluster, 'dhr_not_a_real_token');
    assert.notEqual(code, 0);
    assert.match(stderr, /unknown registration token/);
  });

  it('refuses to register a host with an expired registration token', async function () {
    const token = await cluster.api('POST', '/v1/registration-tokens', { ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1500));
    const { code, stderr } = await registerWith(cluster, token.body.token);
    assert.notEqual(code, 0);
    assert.match(stderr, /expired/);
  });

  it('refuses a second registration with a single-use token', async function () {
    const token = await cluster.api('POST', '/v1/registration-tokens', { ttlSeconds: 600, maxUses: 1 });
    assert.equal((await registerWith(cluster, token.body.token)).code, 0);
    const second = await registerWith(cluster, token.body.token);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /used up/);
  });

  it('refuses a WebSocket from an instance the coordinator does not know', async function () {
    const { privateKey } = generateKeyPairSync('ed25519');
    assert.equal(await connectAs(cluster.url, 'i-UNKNOWN123', privateKey), 401);
  });

  it('refuses a WebSocket signed with a key other than the registered one', async function () {
    const agent = await cluster.addAgent({ role: 'x' });
    const { privateKey } = generateKeyPairSync('ed25519');
    assert.equal(await connectAs(cluster.url, agent.instanceId, privateKey), 401);
  });
});
