import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Cluster, waitFor } from './cluster.ts';
import { appspec, makeTgz } from './bundles.ts';

/** One request the receiver got. */
interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  answered: number;
}

/** Checks a Standard Webhooks signature by hand (HMAC-SHA256 over id.timestamp.body), independent of the library. */
function validByHand(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${r.id}.${r.timestamp}.${r.body}`).digest();
  return r.signature.split(' ').some((s) => {
    const [version, sig] = s.split(',');
    const given = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('webhooks (real coordinator, agent and receiver)', function () {
  this.timeout(150_000);
  const cluster = new Cluster();
  const received: Received[] = [];
  let failuresLeft = 2;
  let receiver: http.Server;
  let receiverUrl = '';

  before(async function () {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const answered = failuresLeft > 0 ? 500 : 204;
        if (failuresLeft > 0) failuresLeft -= 1;
        received.push({ id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), signature: String(req.headers['webhook-signature']), body, answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    await cluster.api('POST', '/v1/applications/shop/deployment-groups', { name: 'hooked', tagFilters: [{ key: 'role', value: 'hooked', type: 'KEY_AND_VALUE' }] });
    await cluster.addAgent({ role: 'hooked' });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('delivers a failing deployment\'s events in order, signed, after two 500s and across a coordinator restart', async function () {
    const created = await cluster.cli(['webhooks', 'create', '--application', 'shop', '--group', 'hooked', '--name', 'rx', '--endpoint', receiverUrl, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const secret = JSON.parse(created.stdout).secret as string;
    assert.match(secret, /^whsec_/);
    const listed = await cluster.cli(['webhooks', 'list', '--application', 'shop', '--group', 'hooked', '--json']);
    assert.doesNotMatch(listed.stdout, /whsec_/, 'the secret is shown once, never listed');

    const upload = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz({
      'appspec.yml': appspec({ AfterInstall: 'scripts/fail.sh' }),
      'scripts/fail.sh': '#!/bin/sh\necho "about to fail"\nexit 3\n',
      'site/index.html': 'v1\n',
    }));
    const res = await cluster.api('POST', '/v1/deployments', { applicationName: 'shop', deploymentGroupName: 'hooked', revisionId: upload.body.revisionId, deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE' });
    const id = res.body.deploymentId as string;
    assert.equal((await cluster.waitForDeployment(id)).status, 'Failed');
    // The first attempt was answered 500: restart the coordinator while the message waits for its retry.
    await waitFor('a first (refused) delivery attempt', () => (received.length >= 1 ? true : undefined));
    await cluster.killCoordinator();
    await cluster.restartCoordinator();

    // At least once: a kill between a 204 and its record sends that message again, with the same
    // webhook-id, which is how a receiver tells a repeat. Messages are told apart by that id.
    const accepted = await waitFor('four accepted messages', () => {
      const byId = new Map<string, Received>();
      for (const r of received) if (r.answered === 204 && !byId.has(r.id)) byId.set(r.id, r);
      return byId.size >= 4 ? [...byId.values()] : undefined;
    }, 120_000);
    const types = accepted.map((r) => (JSON.parse(r.body) as { type: string }).type);
    assert.deepEqual(types, ['DeploymentStart', 'InstanceStart', 'InstanceFailure', 'DeploymentFailure']);
    for (const r of received.filter((x) => x.answered === 204)) {
      assert.equal(received.find((x) => x.id === r.id && x.answered === 204)?.body, r.body, `a repeat of ${r.id} is the same message`);
    }
    const verifier = new Webhook(secret);
    for (const r of received) {
      assert.ok(validByHand(secret, r), `signature of ${r.id}`);
      verifier.verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature });
    }
    const first = received[0]!;
    const attempts = received.filter((r) => r.id === first.id);
    assert.deepEqual(attempts.slice(0, 3).map((r) => r.answered), [500, 500, 204], 'the first message: two 500s, then accepted, same webhook-id');
    const failure = JSON.parse(accepted[3]!.body) as { data: { deploymentId: string; status: string; errorInformation: { ErrorCode: string } } };
    assert.equal(failure.data.deploymentId, id);
    assert.equal(failure.data.status, 'Failed');
    const deliveries = await cluster.cli(['webhooks', 'deliveries', '--application', 'shop', '--group', 'hooked', '--name', 'rx']);
    assert.match(deliveries.stdout, /DeploymentStart.*Succeeded/s);
    assert.match(deliveries.stdout, / 500 /);
  });
});
