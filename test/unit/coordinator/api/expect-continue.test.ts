import assert from 'node:assert/strict';
import { httpRequest, readText } from '../../../../common/src/http-request.ts';
import { insertApiToken } from '../../../../coordinator/src/store/sqlite/tokens.ts';
import { tgzBytes } from '../../../support/archives.ts';
import { startHarness, testHasher, type Harness } from './harness.ts';

/** A body of `chunks` chunks of at most 64 KiB of `bytes` (repeated) that counts how many were taken. */
function countedBody(chunks: number, bytes: Buffer = Buffer.alloc(64 * 1024, 7)): { body: AsyncIterable<Uint8Array>; taken: () => number } {
  let taken = 0;
  async function* body(): AsyncIterable<Uint8Array> {
    for (let i = 0; i < chunks; i++) {
      taken++;
      yield bytes;
    }
  }
  return { body: body(), taken: () => taken };
}

describe('uploads with Expect: 100-continue (api/expect-continue.ts, common/src/http-request.ts)', () => {
  let h: Harness;
  let url: string;
  before(async () => {
    h = await startHarness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const address = h.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    await h.app.inject({ method: 'POST', url: '/v1/applications', headers: h.auth, payload: { name: 'web' } });
    insertApiToken(h.db, { name: 'reader', role: 'viewer', applications: null, groups: null, hash: testHasher.hash('dh_reader'), createdAt: h.clock.now().toISOString() });
  });
  after(() => h.close());

  const upload = (token: string, body: AsyncIterable<Uint8Array>) =>
    httpRequest(`${url}/v1/applications/web/revisions?bundleType=tgz`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body });

  it('answers a refused upload with its 403 before a byte of the body is sent', async () => {
    const { body, taken } = countedBody(800); // 50 MiB
    const res = await upload('dh_reader', body);
    assert.equal(res.status, 403);
    assert.match(await readText(res.body), /lacks the permission deploy/);
    assert.equal(taken(), 0);
  });

  it('answers an unauthenticated upload with 401, also without the body', async () => {
    const { body, taken } = countedBody(800);
    const res = await upload('dh_nobody', body);
    assert.equal(res.status, 401);
    await readText(res.body);
    assert.equal(taken(), 0);
  });

  it('sends the body of an allowed upload after the go-ahead', async () => {
    const { body, taken } = countedBody(1, tgzBytes());
    const res = await upload(h.adminToken, body);
    assert.equal(res.status, 201, await readText(res.body));
    assert.equal(taken(), 1);
  });
});
