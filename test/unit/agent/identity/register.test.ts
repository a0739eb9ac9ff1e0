import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadIdentityKey, publicKeyPem } from '../../../../agent/src/identity/keys.ts';
import { registerInstance } from '../../../../agent/src/identity/register.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { removeDir, tempDir } from '../journal/fixtures.ts';

describe('registerInstance', () => {
  let root: string;
  let journal: Journal;
  let server: http.Server;
  let url: string;
  let received: { path?: string; body?: Record<string, unknown> };
  let reply: { status: number; body: unknown };

  beforeEach(async () => {
    root = tempDir();
    journal = Journal.open(path.join(root, 'agent.db'));
    received = {};
    reply = { status: 201, body: { instanceId: 'i-INST0001', tags: { env: 'prod' } } };
    server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString()));
      req.on('end', () => {
        received = { path: req.url ?? '', body: JSON.parse(data) as Record<string, unknown> };
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(async () => {
    journal.close();
    await new Promise((resolve) => server.close(resolve));
    removeDir(root);
  });

  const register = () => registerInstance({ coordinatorUrl: url, token: 'tok', root, hostname: 'web-1', tags: { env: 'prod' }, journal });

  it('sends the token and public key and journals the instance id', async () => {
    const identity = await register();
    assert.equal(received.path, '/v1/register');
    assert.equal(received.body?.['token'], 'tok');
    assert.equal(received.body?.['publicKey'], publicKeyPem(loadIdentityKey(root)));
    assert.equal(identity.instanceId, 'i-INST0001');
    assert.equal(journal.getIdentity()?.coordinatorUrl, url.replace(/\/$/, ''));
  });

  it('reports a 401 with the server message and stores no identity', async () => {
    reply = { status: 401, body: { error: { code: 'AUTH_FAILED', message: 'registration token expired' } } };
    await assert.rejects(register(), (err: Error & { code?: string }) =>
      err.code === 'AUTH_FAILED' && /HTTP 401/.test(err.message) && /registration token expired/.test(err.message),
    );
    assert.equal(journal.getIdentity(), undefined);
  });

  it('refuses to register a host twice', async () => {
    await register();
    await assert.rejects(register(), /already registered as i-INST0001/);
  });
});
