import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, waitFor, type AgentProcess } from './cluster.ts';
import { appspec, makeTgz } from './bundles.ts';

const OK_HOOK = '#!/bin/bash\necho "$LIFECYCLE_EVENT ok"\n';
/** Fails on a host whose agent root holds a `fail` marker. */
const FAIL_IF_MARKED = '#!/bin/bash\nif [ -f "$DECKHAND_ROOT/fail" ]; then echo "marked to fail" >&2; exit 1; fi\n';
/** Records its pid, then sleeps long enough to be stopped. */
const SLOW_HOOK = '#!/bin/bash\necho $$ > "$DECKHAND_ROOT/slow.pid"\nsleep 60\n';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: the process is gone.
    return false;
  }
}

describe('fleet orchestration end to end (coordinator and agent processes on loopback)', function () {
  this.timeout(120_000);
  const cluster = new Cluster();
  let web: AgentProcess[] = [];
  const rev: Record<'good' | 'flaky' | 'slow', string> = { good: '', flaky: '', slow: '' };

  async function upload(files: Record<string, string>): Promise<string> {
    const res = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz(files));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.revisionId as string;
  }

  function agentOf(instanceId: string): AgentProcess {
    const agent = web.find((a) => a.instanceId === instanceId);
    assert.ok(agent, `agent of ${instanceId}`);
    return agent;
  }

  function deploy(revisionId: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
    return cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId, fileExistsBehavior: 'OVERWRITE', ...extra,
    });
  }

  before(async function () {
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
      deploymentConfigName: 'OneAtATime', autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    web = await Promise.all([1, 2, 3, 4].map(() => cluster.addAgent({ role: 'web' })));
    const site = (v: string): Record<string, string> => ({ 'site/index.html': `<h1>${v}</h1>\n` });
    rev.good = await upload({ 'appspec.yml': appspec({ ValidateService: 'scripts/ok.sh' }), 'scripts/ok.sh': OK_HOOK, ...site('good') });
    rev.flaky = await upload({ 'appspec.yml': appspec({ ValidateService: 'scripts/check.sh' }), 'scripts/check.sh': FAIL_IF_MARKED, ...site('flaky') });
    rev.slow = await upload({ 'appspec.yml': appspec({ BeforeInstall: 'scripts/slow.sh' }), 'scripts/slow.sh': SLOW_HOOK, ...site('slow') });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
  });

  it('deckhand deploy --plan prints one host per batch for OneAtATime on 4 hosts, starting nothing', async function () {
    const out = await cluster.cli(['deploy', '--plan', '--application', 'shop', '--group', 'web', '--revision', rev.good]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /hosts: 4, minimum healthy: 3, at most 1 at a time/);
    assert.match(out.stdout, /stops \(HEALTH_CONSTRAINTS\) after 1 failure/);
    assert.equal(out.stdout.match(/^ {2}batch \d+: host-\d+ \(i-/gm)?.length, 4);
    assert.deepEqual((await cluster.api('GET', '/v1/deployments')).body.deployments, []);
  });

  it('OneAtATime with a failing third host stops with HEALTH_CONSTRAINTS and its rollback succeeds', async function () {
    const first = await deploy(rev.good, { deploymentConfigName: 'AllAtOnce' });
    assert.equal((await cluster.waitForDeployment(first.body.deploymentId)).status, 'Succeeded');
    const plan = await cluster.api('POST', '/v1/deployments/plan', { applicationName: 'shop', deploymentGroupName: 'web', revisionId: rev.flaky });
    const third = agentOf(plan.body.batches[2][0].instanceId);
    writeFileSync(path.join(third.root, 'fail'), '');
    const bad = await deploy(rev.flaky);
    const failed = await cluster.waitForDeployment(bad.body.deploymentId);
    rmSync(path.join(third.root, 'fail'));
    assert.equal(failed.status, 'Failed');
    assert.equal(failed.errorInformation.code, 'HEALTH_CONSTRAINTS');
    assert.deepEqual(failed.targets.map((t: any) => t.status), ['Succeeded', 'Succeeded', 'Failed', 'Skipped']);
    const rollbackId = failed.rollbackInfo?.rollbackDeploymentId;
    assert.ok(rollbackId, JSON.stringify(failed.rollbackInfo));
    const rollback = await cluster.waitForDeployment(rollbackId);
    assert.equal(rollback.status, 'Succeeded', JSON.stringify(rollback));
    assert.equal(rollback.creator, 'rollback');
    assert.equal(rollback.revisionId, rev.good);
    assert.equal(rollback.rollbackInfo.rollbackTriggeringDeploymentId, bad.body.deploymentId);
    for (const agent of web) assert.equal(readFileSync(path.join(agent.destRoot, 'srv/app/index.html'), 'utf8'), '<h1>good</h1>\n');
  });

  it('refuses a second deployment to a busy group with 409, queues it with queue, and stop kills the running hook', async function () {
    const slow = await deploy(rev.slow);
    assert.equal(slow.status, 201);
    // Creating answers without targets; the view has them.
    const slowView = (await cluster.api('GET', `/v1/deployments/${slow.body.deploymentId}`)).body;
    const pidFile = path.join(agentOf(slowView.targets[0].instanceId).root, 'slow.pid');
    const pid = await waitFor('the slow hook to start', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined));
    const refused = await deploy(rev.good);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'CONFLICT');
    const queued = await deploy(rev.good, { queue: true, deploymentConfigName: 'AllAtOnce' });
    assert.equal(queued.body.status, 'Queued');
    const stop = await cluster.cli(['stop', slow.body.deploymentId]);
    assert.equal(stop.code, 0, stop.stderr);
    const stopped = await cluster.waitForView(slow.body.deploymentId, 'to record the aborted host', (v) => v.targets[0].status === 'Failed');
    assert.equal(stopped.status, 'Stopped');
    assert.equal(stopped.errorInformation.code, 'MANUAL_STOP');
    assert.equal(stopped.targets[0].lifecycleEvents.find((e: any) => e.lifecycleEventName === 'BeforeInstall').status, 'Failed');
    assert.equal(isAlive(pid), false, 'the hook process was killed');
    assert.equal((await cluster.waitForDeployment(queued.body.deploymentId)).status, 'Succeeded');
  });

  it('keeps an offline host WaitingForAgent, then fails it AGENT_OFFLINE after the group deadline', async function () {
    const offline = await cluster.registerHost({ role: 'spare' });
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'edge', instanceNames: [web[0]!.instanceId, offline.instanceId], deploymentConfigName: 'AllAtOnce', agentWaitSeconds: 2,
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const res = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'edge', revisionId: rev.good, fileExistsBehavior: 'OVERWRITE',
    });
    const target = (v: any): any => v.targets.find((t: any) => t.instanceId === offline.instanceId);
    const waiting = await cluster.waitForView(res.body.deploymentId, 'to wait for the agent', (v) => target(v).status === 'WaitingForAgent');
    assert.equal(waiting.overview.WaitingForAgent, 1);
    const done = await cluster.waitForDeployment(res.body.deploymentId);
    assert.equal(target(done).status, 'Failed');
    assert.equal(target(done).errorCode, 'AGENT_OFFLINE');
    assert.match(target(done).message, /never seen/);
    assert.equal(done.status, 'Succeeded', 'one host succeeded, as AllAtOnce requires');
  });

  it('deploys the last good revision to a new host registering into the group', async function () {
    const host = await cluster.addAgent({ role: 'web' });
    const { body } = await cluster.api('GET', '/v1/deployments?group=web');
    const auto = body.deployments.find((d: any) => d.creator === 'autoupdate');
    assert.ok(auto, 'an autoupdate deployment was created');
    assert.equal('targets' in auto, false, 'the list has summaries; GET :id has the targets');
    const view = (await cluster.api('GET', `/v1/deployments/${auto.deploymentId}`)).body;
    assert.deepEqual(view.targets.map((t: any) => t.instanceId), [host.instanceId]);
    assert.equal((await cluster.waitForDeployment(auto.deploymentId)).status, 'Succeeded');
    assert.equal(readFileSync(path.join(host.destRoot, 'srv/app/index.html'), 'utf8'), '<h1>good</h1>\n');
  });
});
