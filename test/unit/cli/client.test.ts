import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeckhandClient, toApiError } from '../../../cli/src/client.ts';
import { ApiError, formatError, UnreachableError } from '../../../cli/src/errors.ts';
import { startFakeApi, type FakeApi } from './helpers.ts';

describe('DeckhandClient', () => {
  let api: FakeApi;

  afterEach(async () => {
    await api?.close();
  });

  it('sends the admin token as a bearer token', async () => {
    api = await startFakeApi(() => ({ status: 200, json: { instances: [] } }));
    await new DeckhandClient({ url: api.url, token: 'sekret' }).listInstances();
    assert.equal(api.requests[0]?.headers.authorization, 'Bearer sekret');
    assert.equal(api.requests[0]?.url, '/v1/instances');
  });

  it('turns an API error body into an ApiError with code, message and field', async () => {
    api = await startFakeApi(() => ({
      status: 400,
      json: { error: { code: 'VALIDATION_FAILED', message: 'must be a Deckhand id', field: 'revisionId' } },
    }));
    const client = new DeckhandClient({ url: api.url, token: 't' });
    const err = await client.getDeployment('d-XXXXXXXX').catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 400);
    assert.equal(formatError(err), 'error: VALIDATION_FAILED: must be a Deckhand id (field: revisionId)');
  });

  it('formats an error without a field as code and message', async () => {
    api = await startFakeApi(() => ({ status: 401, json: { error: { code: 'AUTH_FAILED', message: 'bad token' } } }));
    const err = await new DeckhandClient({ url: api.url, token: 't' }).listInstances().catch((e: unknown) => e);
    assert.equal(formatError(err), 'error: AUTH_FAILED: bad token');
  });

  it('fails over to the next coordinator when the first cannot be reached, and stays with it', async () => {
    api = await startFakeApi(() => ({ status: 200, json: { instances: [] } }));
    const dead = await closedPort();
    const client = new DeckhandClient({ url: dead, urls: [dead, api.url], token: 't' });
    await client.listInstances();
    await client.createApplication('web').catch(() => undefined);
    assert.equal(client.url, api.url);
    assert.equal(api.requests.length, 2);
  });

  it('says the last coordinator it tried could not be reached when none can', async () => {
    const [one, two] = [await closedPort(), await closedPort()];
    const err = await new DeckhandClient({ url: one, urls: [one, two], token: 't' }).listInstances().catch((e: unknown) => e);
    assert.ok(err instanceof UnreachableError);
    assert.match((err as Error).message, new RegExp(two.replace(/[.:/]/g, '\\$&')));
  });

  it('still gives a code when the error body is not JSON', () => {
    const err = toApiError(404, '<html>nope</html>');
    assert.equal(err.code, 'NOT_FOUND');
    assert.match(err.message, /^HTTP 404: <html>nope/);
  });

  it('says the coordinator cannot be reached when the connection is refused', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    api = await startFakeApi(() => ({ status: 200 }));
    const url = `http://127.0.0.1:${port}`;
    const err = await new DeckhandClient({ url, token: 't' }).listInstances().catch((e: unknown) => e);
    assert.ok(err instanceof UnreachableError);
    assert.equal(formatError(err), `error: cannot reach the coordinator at ${url} (is it running?)`);
  });

  it('creates the application unless it exists, treating CONFLICT as present', async () => {
    api = await startFakeApi((req) => (req.method === 'GET' ? { status: 200, json: { applications: [] } } : { status: 409, json: { error: { code: 'CONFLICT', message: 'exists' } } }));
    const created = await new DeckhandClient({ url: api.url, token: 't' }).ensureApplication('app');
    assert.equal(created, false);
    assert.deepEqual(JSON.parse(api.requests[1]?.body.toString() ?? ''), { name: 'app' });
  });

  it('does not try to create an application it can see', async () => {
    api = await startFakeApi(() => ({ status: 200, json: { applications: [{ applicationId: 'a-APP00001', name: 'app', createTime: 'x' }] } }));
    assert.equal(await new DeckhandClient({ url: api.url, token: 't' }).ensureApplication('app'), false);
    assert.deepEqual(api.requests.map((r) => r.method), ['GET']);
  });

  it('streams an upload with the bundle type and description in the query', async () => {
    api = await startFakeApi(() => ({ status: 201, json: { revisionId: 'r-ABCDEFGH' } }));
    async function* chunks(): AsyncIterable<Uint8Array> {
      yield Buffer.from('hello ');
      yield Buffer.from('world');
    }
    await new DeckhandClient({ url: api.url, token: 't' }).uploadRevision('my app', chunks(), {
      bundleType: 'tgz',
      description: 'first cut',
    });
    const req = api.requests[0];
    assert.equal(req?.url, '/v1/applications/my%20app/revisions?bundleType=tgz&description=first+cut');
    assert.equal(req?.headers['content-type'], 'application/octet-stream');
    assert.equal(req?.body.toString(), 'hello world');
  });
});

/** A URL where nothing listens. */
async function closedPort(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
