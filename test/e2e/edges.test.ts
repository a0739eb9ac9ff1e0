/**
 * Issue 14 (hold under loss and abuse), the coordinator's edges, against a real coordinator
 * process on loopback: hosts that must be cut off, and connections that never authenticate.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
});
