import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, type AgentProcess } from './cluster.ts';
import { appspec, makeTgz } from './bundles.ts';

const OK_HOOK = '#!/bin/bash\necho "$LIFECYCLE_EVENT ok"\n';

describe('rollout controls end to end (canary batch list, bake, approval, pause)', function () {
  this.timeout(60_000);
  const cluster = new Cluster();
  let agents: AgentProcess[] = [];
  let revisionId = '';

  before(async function () {
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const config = await cluster.cli(['configs', 'create', '--name', 'Canary', '--batches', '1,50%,100%', '--bake', '1s']);
    assert.equal(config.code, 0, config.stderr);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }], deploymentConfigName: 'Canary',
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    agents = await Promise.all([1, 2, 3, 4].map(() => cluster.addAgent({ role: 'web' })));
    const bundle = await makeTgz({ 'appspec.yml': appspec({ ValidateService: 'scripts/ok.sh' }), 'scripts/ok.sh': OK_HOOK, 'site/index.html': '<h1>canary</h1>\n' });
    const res = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', bundle);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    revisionId = res.body.revisionId as string;
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
  });

  it('deckhand deploy --plan shows the canary batch list with its bake', async function () {
    const out = await cluster.cli(['deploy', '--plan', '--application', 'shop', '--group', 'web', '--revision', revisionId, '--require-approval']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /batch list, bake 1s between batches/);
    assert.match(out.stdout, /waits for approval/);
    assert.deepEqual(out.stdout.match(/^ {2}batch \d+: .*$/gm)?.map((l) => l.split('(i-').length - 1), [1, 1, 2]);
  });

  it('deploys the canary, waits for approval, bakes, then rolls out the rest', async function () {
    const created = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId, fileExistsBehavior: 'OVERWRITE', requireApproval: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.deploymentId as string;
    const gated = await cluster.waitForView(id, 'to wait for approval', (v) => v.rollout?.waitingFor === 'approval');
    assert.deepEqual(gated.targets.map((t: any) => t.status), ['Succeeded', 'Pending', 'Pending', 'Pending']);
    const status = await cluster.cli(['status', id]);
    assert.match(status.stdout, /waiting for approval/);
    // Four-eyes: the token that created it may not approve it; a deployer of the application may.
    const own = await cluster.cli(['approve', id]);
    assert.notEqual(own.code, 0);
    assert.match(own.stderr, /created by admin and requires approval by another token \(four-eyes\)/);
    const approver = await cluster.cli(['tokens', 'api', 'create', '--name', 'release-manager', '--role', 'deployer', '--application', 'shop']);
    assert.equal(approver.code, 0, approver.stderr);
    const approve = await cluster.cli(['approve', id, '--token', approver.stdout.trim()]);
    assert.equal(approve.code, 0, approve.stderr);
    const second = await cluster.waitForView(id, 'to start batch 2', (v) => v.targets[1].status !== 'Pending');
    assert.equal(second.targets[2].status, 'Pending', 'batch 3 waits for batch 2');
    const done = await cluster.waitForDeployment(id);
    const canaryDone = Date.parse(done.targets[0].lastUpdatedAt);
    const batch2Started = Date.parse(done.targets[1].lifecycleEvents[0].startTime);
    assert.ok(batch2Started - canaryDone >= 1000, `batch 2 started ${batch2Started - canaryDone} ms after the canary, within the 1 s bake`);
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation));
    assert.deepEqual(done.targets.map((t: any) => t.step), [1, 2, 3, 3]);
    assert.equal(done.creator, 'admin');
    assert.equal(done.rollout.approvedBy, 'release-manager');
    for (const agent of agents) assert.equal(readFileSync(path.join(agent.destRoot, 'srv/app/index.html'), 'utf8'), '<h1>canary</h1>\n');
  });

  it('pauses a deployment so no new host starts, and resume finishes it', async function () {
    const created = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId, fileExistsBehavior: 'OVERWRITE', deploymentConfigName: 'OneAtATime',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.deploymentId as string;
    // Paused through the API at once: the CLI's own start-up (about a second under load) can
    // outlast the first hosts of a OneAtATime run. `deckhand pause` has its own tests.
    const pause = await cluster.api('POST', `/v1/deployments/${id}/pause`);
    assert.equal(pause.status, 200, JSON.stringify(pause.body));
    const paused = await cluster.waitForView(id, 'to finish its running host', (v) => v.targets.some((t: any) => t.status === 'Succeeded'));
    await new Promise((r) => setTimeout(r, 500));
    const still = (await cluster.api('GET', `/v1/deployments/${id}`)).body;
    assert.equal(still.status, 'InProgress');
    assert.equal(still.overview.Succeeded + still.overview.InProgress, 1, JSON.stringify(paused.overview));
    assert.equal(still.rollout.waitingFor, 'pause');
    assert.equal((await cluster.cli(['resume', id])).code, 0);
    assert.equal((await cluster.waitForDeployment(id)).status, 'Succeeded');
  });
});
