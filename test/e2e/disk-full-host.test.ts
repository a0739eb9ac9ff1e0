/**
 * A host whose agent root is full: the deployment fails for that host with DISK_FULL ("disk full
 * on the host"), by name and at once, instead of waiting for the deadline and saying TIMEOUT.
 * The agent root is a real tmpfs filled to the last byte (root only; pending otherwise).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Cluster } from './cluster.ts';
import { appspec, makeTgz } from './bundles.ts';
import { fill, requireTmpfs, unmount } from '../support/tmpfs.ts';

describe('a host whose disk is full (real coordinator, agent and tmpfs)', function () {
  this.timeout(90_000);
  const cluster = new Cluster();
  let root = '';

  before(async function () {
    // The first host's agent root: cluster.registerHost names it agent-1.
    root = path.join(cluster.dir, 'agent-1');
    requireTmpfs(this, root, '3m');
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
      // Long enough that a deployment ending within the test did not end by its deadline.
      eventTimeoutSeconds: 600,
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    await cluster.addAgent({ role: 'web' });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop().catch(() => undefined);
    unmount(root);
  });

  it('fails the host with DISK_FULL, naming the full disk, not TIMEOUT', async () => {
    fill(root);
    const upload = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz({ 'appspec.yml': appspec({}), 'site/index.html': 'x\n' }));
    assert.equal(upload.status, 201);
    const res = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId: upload.body.revisionId, deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const view = await cluster.waitForDeployment(res.body.deploymentId, 45_000);
    assert.equal(view.status, 'Failed');
    const target = view.targets[0];
    assert.equal(target.status, 'Failed');
    const said = JSON.stringify(target);
    assert.match(said, /DISK_FULL/, said);
    assert.match(said, /disk full on the host/, said);
    assert.doesNotMatch(said, /TIMEOUT/, said);
    assert.match(cluster.logs(), /host cannot carry out its command: disk full/);
    rmSync(path.join(root, 'filler'));
  });
});
