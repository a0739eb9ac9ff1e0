import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateHealthCheckRequest, type HealthCheckSpec } from '../../../../protocol/src/index.ts';
import { alertmanagerAlarm } from '../../../../coordinator/src/health/alertmanager.ts';
import { CheckEvaluator, type CheckContext } from '../../../../coordinator/src/health/checks.ts';
import type { HealthHost } from '../../../../coordinator/src/store/health.ts';

/** A server the test scripts: each request is recorded and answered by `handler`. */
class FakeServer {
  readonly requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  handler: (req: { method: string; url: string; body: string }) => { status?: number; json?: unknown; text?: string; delayMs?: number } = () => ({ json: {} });
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      this.requests.push(r);
      const a = this.handler(r);
      setTimeout(() => {
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
        res.end(a.text ?? JSON.stringify(a.json ?? {}));
      }, a.delayMs ?? 0);
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const host = (n: number): HealthHost => ({ instanceId: `i-HOST000${n}`, hostname: `host-${n}`, address: '127.0.0.1', tags: { port: '1' }, step: 1, segment: null, status: 'Succeeded' });

function context(canary: HealthHost[], baseline: HealthHost[] = []): CheckContext {
  return { deploymentId: 'd-ABCDEFGH', groupName: 'web', applicationName: 'shop', step: 1, now: new Date('2025-01-01T00:00:00Z'), canary: async () => canary, baseline: async () => baseline };
}

const spec = (x: unknown): HealthCheckSpec => CreateHealthCheckRequest.parse(x);
const vector = (values: [Record<string, string>, number][]) => ({ status: 'success', data: { resultType: 'vector', result: values.map(([metric, v]) => ({ metric, value: [1735689600, String(v)] })) } });

describe('health/checks', () => {
  const server = new FakeServer();
  const evaluator = new CheckEvaluator();
  before(() => server.start());
  after(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
  });

  describe('prometheus', () => {
    const prom = (condition = 'result < 0.01') =>
      spec({ name: 'errors', type: 'prometheus', address: `http://u:pw@${server.url.slice(7)}`, query: 'sum(rate(errors{ {{canary.selector}} }[1m]))', condition, hostLabel: 'host' });

    it('posts the rendered query with the credentials as a header and passes a result within the condition', async () => {
      server.handler = () => ({ json: vector([[{}, 0.001]]) });
      const o = await evaluator.evaluate(prom(), context([host(1), host(2)]));
      assert.deepEqual(o, { verdict: 'Successful', message: 'result 0.001 < 0.01', value: 0.001 });
      const req = server.requests[0];
      assert.equal(req?.url, '/api/v1/query');
      assert.equal(new URLSearchParams(req?.body).get('query'), 'sum(rate(errors{ host=~"host-1|host-2" }[1m]))');
      assert.equal(req?.headers.authorization, `Basic ${Buffer.from('u:pw').toString('base64')}`);
    });

    it('fails when a series breaks the condition, naming it', async () => {
      server.handler = () => ({ json: vector([[{ host: 'host-1' }, 0.001], [{ host: 'host-2' }, 0.2]]) });
      const o = await evaluator.evaluate(prom(), context([host(1), host(2)]));
      assert.equal(o.verdict, 'Failed');
      assert.equal(o.message, 'result 0.2{host="host-2"} is not < 0.01');
    });

    it('is inconclusive without canary hosts, without series or on NaN', async () => {
      assert.equal((await evaluator.evaluate(prom(), context([]))).verdict, 'Inconclusive');
      server.handler = () => ({ json: vector([]) });
      assert.equal((await evaluator.evaluate(prom(), context([host(1)]))).message, 'the query returned no series');
      server.handler = () => ({ json: { status: 'success', data: { resultType: 'scalar', result: [1, 'NaN'] } } });
      assert.equal((await evaluator.evaluate(prom(), context([host(1)]))).verdict, 'Inconclusive');
    });

    it('reports Prometheus\' own error, and an unreachable Prometheus, as an Error without the credentials', async () => {
      server.handler = () => ({ status: 400, json: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' } });
      const bad = await evaluator.evaluate(prom(), context([host(1)]));
      assert.equal(bad.verdict, 'Error');
      assert.match(bad.message, /answered 400: bad_data: parse error at char 5/);
      assert.doesNotMatch(bad.message, /pw/);
      const gone = spec({ name: 'e', type: 'prometheus', address: 'http://user:pw@127.0.0.1:9', query: 'up', condition: 'result == 1', timeoutSeconds: 2 });
      const o = await evaluator.evaluate(gone, context([host(1)]));
      assert.equal(o.verdict, 'Error');
      assert.match(o.message, /POST http:\/\/\*\*\*@127\.0\.0\.1:9\/api\/v1\/query: .*ECONNREFUSED/);
      assert.doesNotMatch(o.message, /pw/);
    });

    it('compares the canary with the baseline over a range (Kayenta\'s judge)', async () => {
      server.handler = (req) => {
        const query = new URLSearchParams(req.body).get('query') ?? '';
        const canary = query.includes('host-1');
        const values = Array.from({ length: 30 }, (_, i) => [1735689600 + i, String((canary ? 0.2 : 0.01) + (i % 3) * 0.001)]);
        return { json: { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } } };
      };
      const judged = await evaluator.compare(prom() as Extract<HealthCheckSpec, { type: 'prometheus' }>, context([host(1)], [host(2)]), new Date('2024-12-31T23:59:00Z'), {
        direction: 'increase', marginal: 75, pass: 95, confidenceLevel: 0.95, tolerance: 0.25,
      });
      assert.ok('classification' in judged);
      assert.equal(judged.classification, 'High');
      assert.deepEqual(server.requests.map((r) => r.url), ['/api/v1/query_range', '/api/v1/query_range']);
    });
  });

  describe('http', () => {
    it('checks once per host when the URL names one, failing on a bad status and naming the host', async () => {
      server.handler = (req) => (req.url.includes('host-2') ? { status: 503, json: {} } : { json: { status: 'ok' } });
      const check = spec({ name: 'h', type: 'http', url: `${server.url}/health/{{host.hostname}}` });
      const o = await evaluator.evaluate(check, context([host(1), host(2)]));
      assert.equal(o.verdict, 'Failed');
      assert.equal(o.message, '1 of 2 host(s) Failed: host-2: status 503, expected 2xx');
      assert.deepEqual(server.requests.map((r) => r.url).sort(), ['/health/host-1', '/health/host-2']);
    });

    it('applies the JSONPath condition to the answer', async () => {
      server.handler = () => ({ json: { db: { status: 'down' } } });
      const check = spec({ name: 'h', type: 'http', url: `${server.url}/health`, condition: '$.db.status == "up"' });
      const o = await evaluator.evaluate(check, context([]));
      assert.equal(o.verdict, 'Failed');
      assert.match(o.message, /\$\.db\.status is "down", not == "up"/);
    });

    it('times out as an Error', async () => {
      server.handler = () => ({ json: {}, delayMs: 1500 });
      const o = await evaluator.evaluate(spec({ name: 'h', type: 'http', url: `${server.url}/slow`, timeoutSeconds: 1 }), context([]));
      assert.equal(o.verdict, 'Error');
      assert.match(o.message, /no answer within 1 s/);
    });
  });

  describe('webhook (deployment monitor)', () => {
    it('posts the deployment, step and hosts and maps the directive', async () => {
      const check = spec({ name: 'w', type: 'webhook', url: `${server.url}/monitor`, headers: { authorization: 'Bearer x' } });
      for (const [answer, verdict] of [
        [{ directive: 'continue', reason: 'fine' }, 'Successful'],
        [{ directive: 'abort', reason: 'error budget burnt' }, 'Failed'],
        [{ directive: 'pause', reason: 'look at it' }, 'Inconclusive'],
        [{ nextStep: { directive: 'ROLLBACK' }, statusReason: 'spinnaker says no' }, 'Failed'],
        [{ what: 1 }, 'Error'],
      ] as const) {
        server.handler = () => ({ json: answer });
        assert.equal((await evaluator.evaluate(check, context([host(1)]))).verdict, verdict, JSON.stringify(answer));
      }
      const sent = JSON.parse(server.requests[0]?.body ?? '{}') as Record<string, unknown>;
      assert.deepEqual(sent, { deploymentId: 'd-ABCDEFGH', applicationName: 'shop', deploymentGroupName: 'web', step: 1, purpose: 'analysis', hosts: [{ instanceId: 'i-HOST0001', hostname: 'host-1' }] });
    });
  });

  describe('Alertmanager alarms', () => {
    it('is in alarm while an active, unsilenced alert of that name exists', async () => {
      server.handler = (req) => ({ json: req.url.includes('HighErrorRate') ? [{ labels: { alertname: 'HighErrorRate' }, startsAt: '2025-01-01T00:00:00Z' }] : [] });
      const firing = await alertmanagerAlarm(server.url, 'HighErrorRate', 2000);
      assert.equal(firing.verdict, 'Failed');
      assert.match(firing.message, /1 alert\(s\) HighErrorRate firing in the Alertmanager since 2025-01-01T00:00:00Z/);
      const query = new URL(server.requests[0]?.url ?? '', 'http://x').searchParams;
      assert.equal(query.get('filter'), 'alertname="HighErrorRate"');
      assert.equal(query.get('silenced'), 'false');
      assert.equal((await alertmanagerAlarm(server.url, 'Other', 2000)).verdict, 'Successful');
    });
  });
});
