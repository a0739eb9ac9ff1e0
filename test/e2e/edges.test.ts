/**
 * Issue 14 (hold under loss and abuse), the coordinator's edges, against a real coordinator
 * process on loopback: hosts that must be cut off, and connections that never authenticate.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { WebSocket } from 'ws';
import { AGENT_CONNECT_PATH, SIGNATURE_HEADERS, signingPayload } from '../../protocol/src/index.ts';
import { Cluster, waitFor } from './cluster.ts';

/** A WebSocket signed with the host's own key (as its agent would), which never says hello. */
async function silentSession(cluster: Cluster, host: { instanceId: string; root: string }): Promise<WebSocket> {
  const key = createPrivateKey(readFileSync(path.join(host.root, 'identity', 'agent.key'), 'utf8'));
  const timestamp = String(Date.now());
  const nonce = randomBytes(16).toString('base64url');
  const payload = signingPayload({ instanceId: host.instanceId, timestamp, nonce, method: 'GET', path: AGENT_CONNECT_PATH });
  const ws = new WebSocket(cluster.url.replace(/^http/, 'ws') + AGENT_CONNECT_PATH, {
    headers: {
      [SIGNATURE_HEADERS.instance]: host.instanceId,
      [SIGNATURE_HEADERS.timestamp]: timestamp,
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.signature]: sign(null, payload, key).toString('base64'),
    },
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return ws;
}

function closed(ws: WebSocket): Promise<number> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('coordinator edges under abuse', function () {
  this.timeout(60_000);

  describe('deregistration', () => {
    let cluster: Cluster;
    beforeEach(async () => {
      cluster = new Cluster();
      await cluster.start();
    });
    afterEach(() => cluster.stop());

    it('deregister --force removes a connected host and closes its connection; without --force it is refused and says so', async () => {
      const agent = await cluster.addAgent({ role: 'web' });
      const refused = await cluster.cli(['instances', 'deregister', agent.instanceId]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /is connected: .*--force/);
      const forced = await cluster.cli(['instances', 'deregister', agent.instanceId, '--force']);
      assert.equal(forced.code, 0, forced.stderr);
      const { body } = await cluster.api('GET', '/v1/instances');
      assert.equal(body.instances.length, 0);
      await waitFor('the coordinator to log the closed connection', () => (/agent connection closed: instance deregistered/.test(cluster.logs()) ? true : undefined));
      // The agent cannot come back: its key went with the instance.
      await waitFor('the agent to be refused', () => (/agent connection refused[^\n]*(unknown instance|instance deregistered)/.test(cluster.logs()) ? true : undefined));
      const audit = await cluster.api('GET', '/v1/audit');
      const records = audit.body.records.filter((r: { action: string }) => r.action === 'instance.deregister');
      assert.deepEqual(records.map((r: any) => [r.target, r.details?.force, r.outcome]), [
        [agent.instanceId, undefined, '409 CONFLICT'],
        [agent.instanceId, true, '204'],
      ]);
    });

    it('deregistering a host whose session has not said hello closes that session', async () => {
      const host = await cluster.registerHost({ role: 'web' });
      const ws = await silentSession(cluster, host);
      const res = await cluster.api('DELETE', `/v1/instances/${host.instanceId}`);
      assert.equal(res.status, 204);
      assert.equal(await closed(ws), 4001);
    });
  });

  describe('connections that never authenticate', () => {
    let cluster: Cluster | undefined;
    const sockets: net.Socket[] = [];
    afterEach(async () => {
      for (const socket of sockets.splice(0)) socket.destroy();
      await cluster?.stop();
      cluster = undefined;
    });

    /** Opens `n` TCP connections to the coordinator that send nothing; resolves once all are connected or refused. */
    async function idle(url: string, n: number, localAddress = '127.0.0.1'): Promise<net.Socket[]> {
      const { hostname, port } = new URL(url);
      const opened = await Promise.all(
        Array.from({ length: n }, () => new Promise<net.Socket>((resolve) => {
          const socket = net.connect({ host: hostname, port: Number(port), localAddress });
          socket.on('error', () => undefined);
          // Read what the coordinator sends (a 408), so its closing is seen.
          socket.resume();
          socket.once('connect', () => resolve(socket));
          socket.once('close', () => resolve(socket));
        })),
      );
      sockets.push(...opened);
      return opened;
    }

    function count(pattern: RegExp): number {
      return (cluster?.logs().match(new RegExp(pattern.source, 'g')) ?? []).length;
    }

    it('a flood of idle connections past the open file limit leaves the API answering (the cap holds them under it)', async () => {
      cluster = new Cluster({ coordinatorOpenFiles: 200, coordinatorArgs: ['--max-unauthenticated', '80', '--max-unauthenticated-per-address', '40'] });
      await cluster.start();
      await idle(cluster.url, 400);
      // The operator, from another address, is still answered (before the cap, the coordinator went deaf).
      const { hostname, port } = new URL(cluster.url);
      const status = await new Promise<number>((resolve, reject) => {
        const socket = net.connect({ host: hostname, port: Number(port), localAddress: '127.0.0.2' }, () => {
          socket.end('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        });
        let text = '';
        socket.on('data', (d) => (text += d.toString()));
        socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
        socket.on('error', reject);
        socket.setTimeout(5000, () => reject(new Error('no answer within 5 s')));
      });
      assert.equal(status, 200);
      for (const socket of sockets.splice(0)) socket.destroy();
      await waitFor('the refusals in the log', () => (count(/connection refused: too many unauthenticated connections/) > 0 ? true : undefined));
      assert.ok(count(/connection refused: too many unauthenticated connections/) <= 5, 'refusals are logged a few times, not once per connection');
      // Once the coordinator has seen the flood's connections close, this address is let in again.
      const url = cluster.url;
      const metrics = await waitFor('/metrics to answer', () =>
        fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${cluster?.token ?? ''}` } }).then((r) => r.text(), () => undefined),
      );
      const refused = Number(/deckhand_connections_refused_total\{reason="per_address"\} (\d+)/.exec(metrics)?.[1]);
      assert.ok(refused >= 400 - 40, `${refused} refusals counted`);
    });

    it('an idle connection is closed within seconds, not minutes', async () => {
      cluster = new Cluster();
      await cluster.start();
      const [socket] = await idle(cluster.url, 1);
      const started = Date.now();
      await new Promise((resolve) => socket?.once('close', resolve));
      // Node's default would be 60-90 s; ours is 10 s, checked every 2 s.
      assert.ok(Date.now() - started < 20_000, `closed after ${Date.now() - started} ms`);
    });

    it('running out of file descriptors is logged loudly, once per minute', async () => {
      // The cap above the limit: the probe is what notices.
      cluster = new Cluster({ coordinatorOpenFiles: 200, coordinatorArgs: ['--max-unauthenticated', '5000', '--max-unauthenticated-per-address', '5000'] });
      await cluster.start();
      await idle(cluster.url, 400);
      await waitFor('the descriptor exhaustion in the log', () => (count(/out of file descriptors/) > 0 ? true : undefined), 15_000);
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      assert.equal(count(/out of file descriptors/), 1);
      assert.match(cluster.logs(), /out of file descriptors[^\n]*"openFileLimit":200/);
    });
  });
});
