import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TrafficControl } from '../../../../protocol/src/index.ts';
import { HttpProvider } from '../../../../coordinator/src/traffic/http.ts';

const TOKEN = 'tok-3f9a1c0b7e';
const HOST = { instanceId: 'i-WEB00001', hostname: 'web-1', tags: { rack: 'r1' } };

describe('the http adapter', () => {
  let server: http.Server;
  let url: string;
  const seen: { auth?: string; body: any }[] = [];
  let answer: (body: any) => { status: number; text: string } = () => ({ status: 200, text: '' });

  before(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        const body = JSON.parse(text);
        seen.push({ ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body });
        const a = answer(body);
        res.writeHead(a.status).end(a.text);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/traffic?key=query-secret`;
  });
  after(() => server.close());
  beforeEach(() => {
    seen.length = 0;
    answer = () => ({ status: 200, text: '' });
  });

  const provider = () => new HttpProvider(TrafficControl.parse({ provider: 'http', url, token: TOKEN, timeoutSeconds: 2 }) as Extract<TrafficControl, { provider: 'http' }>);

  it('tells the webhook to block and allow a host, with the token as a bearer token', async () => {
    const p = provider();
    const signal = new AbortController().signal;
    await p.block(HOST, signal);
    await p.allow(HOST, signal);
    assert.deepEqual(seen.map((s) => [s.body.action, s.body.host.hostname, s.auth]), [['block', 'web-1', `Bearer ${TOKEN}`], ['allow', 'web-1', `Bearer ${TOKEN}`]]);
  });

  it('takes {"healthy": false} from a check as a failed health check', async () => {
    answer = () => ({ status: 200, text: '{"healthy":false}' });
    assert.deepEqual(await provider().check(HOST, new AbortController().signal), { healthy: false, detail: 'webhook answered HTTP 200 (healthy: false)' });
  });

  it('quotes a refusal without the token or the query string', async () => {
    answer = () => ({ status: 500, text: `backend pool busy (you sent ${TOKEN})` });
    await assert.rejects(provider().block(HOST, new AbortController().signal), (err: any) => {
      assert.equal(err.code, 'ELASTIC_LOAD_BALANCING_INVALID');
      assert.match(err.message, /the traffic webhook http:\/\/127\.0\.0\.1:\d+\/traffic answered HTTP 500 to block: backend pool busy \(you sent \[token\]\)/);
      assert.equal(err.message.includes(TOKEN) || err.message.includes('query-secret'), false);
      return true;
    });
  });

  it('accepts a webhook that does not know verify, and names one that cannot be reached', async () => {
    answer = (b) => (b.action === 'verify' ? { status: 404, text: '' } : { status: 200, text: '' });
    await provider().verify([HOST], new AbortController().signal);
    const gone = new HttpProvider(TrafficControl.parse({ provider: 'http', url: 'http://127.0.0.1:9/x?token=abc', token: TOKEN }) as Extract<TrafficControl, { provider: 'http' }>);
    await assert.rejects(gone.verify([HOST], new AbortController().signal), (err: any) => /cannot reach the traffic webhook http:\/\/127\.0\.0\.1:9\/x \(verify\): ECONNREFUSED/.test(err.message) && !err.message.includes('abc'));
  });
});
