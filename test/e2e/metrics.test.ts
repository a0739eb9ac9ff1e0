import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireTool } from '../support/requirements.ts';
import { Cluster, stopProcess, waitFor } from './cluster.ts';
import { appspec, makeTgz } from './bundles.ts';

const METRICS_TOKEN = 'dh_metrics_scrape_token_0123456789';

/** A port free on loopback now (Prometheus takes no port 0). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('/metrics scraped by a real Prometheus', function () {
  this.timeout(120_000);
  const cluster = new Cluster({ coordinatorArgs: ['--metrics-token', METRICS_TOKEN] });
  let prometheus: ChildProcess | undefined;
  let dir = '';
  let promUrl = '';

  before(async function () {
    requireTool(this, 'prometheus', 'prometheus');
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    await cluster.api('POST', '/v1/applications/shop/deployment-groups', { name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }] });
    await cluster.addAgent({ role: 'web' });
  });

  after(async function () {
    if (prometheus) await stopProcess(prometheus);
    await cluster.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a scrape without a token, and answers the scrape token and the admin token', async function () {
    const bare = await fetch(`${cluster.url}/metrics`);
    assert.equal(bare.status, 401);
    const scrape = await fetch(`${cluster.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(scrape.status, 200);
    assert.match(await scrape.text(), /# TYPE deckhand_deployments gauge/);
    assert.equal((await fetch(`${cluster.url}/metrics`, { headers: { authorization: `Bearer ${cluster.token}` } })).status, 200);
  });

  it('gives Prometheus the deployment count, which a PromQL query returns', async function () {
    for (const version of ['v1', 'v2']) {
      const upload = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz({ 'appspec.yml': appspec({}), 'site/index.html': `${version}\n` }));
      const res = await cluster.api('POST', '/v1/deployments', { applicationName: 'shop', deploymentGroupName: 'web', revisionId: upload.body.revisionId, fileExistsBehavior: 'OVERWRITE' });
      assert.equal((await cluster.waitForDeployment(res.body.deploymentId)).status, 'Succeeded');
    }
    dir = mkdtempSync(path.join(tmpdir(), 'dh-prom-'));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    writeFileSync(path.join(dir, 'prometheus.yml'), [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: deckhand',
      '    authorization:',
      '      type: Bearer',
      `      credentials: ${METRICS_TOKEN}`,
      '    static_configs:',
      `      - targets: ['${new URL(cluster.url).host}']`,
      '',
    ].join('\n'));
    prometheus = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const value = await waitFor('Prometheus to have scraped the deployment count', async () => {
      const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('sum(deckhand_deployments{status="Succeeded"})')}`).catch(() => undefined);
      if (!res?.ok) return undefined;
      const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return body.data.result[0]?.value[1];
    }, 60_000);
    assert.equal(value, '2');
  });
});
