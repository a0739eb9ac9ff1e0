import assert from 'node:assert/strict';
import { runCli } from '../../../../cli/src/cli.ts';
import { parseMinHealthy } from '../../../../cli/src/commands/configs.ts';
import { parseDeployArgs } from '../../../../cli/src/commands/deploy.ts';
import { parseRollbackEvents } from '../../../../cli/src/commands/groups.ts';
import { formatPlan } from '../../../../cli/src/format/plan.ts';
import type { DeploymentPlan } from '../../../../protocol/src/orchestration.ts';
import { capture, startFakeApi, type FakeApi } from '../helpers.ts';

const PLAN: DeploymentPlan = {
  deploymentGroupName: 'web', deploymentConfigName: 'CodeDeployDefault.OneAtATime', revisionId: 'r-ABCDEFGH',
  totalHosts: 2, minimumHealthyHosts: 1, maxConcurrent: 1, failuresToStop: 1, successesNeeded: 1,
  batches: [
    [{ instanceId: 'i-AAAAAAAA', hostname: 'web-1', connected: true, revisionHealth: 'Unknown' }],
    [{ instanceId: 'i-BBBBBBBB', hostname: 'web-2', connected: false, revisionHealth: 'Old' }],
  ],
};

describe('orchestration commands', () => {
  let api: FakeApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('parseMinHealthy reads HOST_COUNT:n and FLEET_PERCENT:p', () => {
    assert.deepEqual(parseMinHealthy('HOST_COUNT:2'), { type: 'HOST_COUNT', value: 2 });
    assert.deepEqual(parseMinHealthy('fleet_percent:75'), { type: 'FLEET_PERCENT', value: 75 });
    assert.throws(() => parseMinHealthy('HALF'), /HOST_COUNT:n or FLEET_PERCENT:p/);
  });

  it('parseRollbackEvents maps failure, stop and alarm to CodeDeploy event names', () => {
    assert.deepEqual(parseRollbackEvents('failure,stop'), ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST']);
    assert.deepEqual(parseRollbackEvents('alarm'), ['DEPLOYMENT_STOP_ON_ALARM']);
    assert.throws(() => parseRollbackEvents('rain'), /failure, stop, alarm/);
  });

  it('deploy --queue and --update-outdated-only go into the request', () => {
    const args = parseDeployArgs(['--application', 'a', '--group', 'g', '--revision', 'r-ABCDEFGH', '--queue', '--update-outdated-only']);
    assert.ok(args !== 'help');
    assert.equal(args.req.queue, true);
    assert.equal(args.req.updateOutdatedInstancesOnly, true);
  });

  it('formatPlan lists each batch with its hosts, health and offline ones', () => {
    const text = formatPlan(PLAN);
    assert.match(text, /minimum healthy: 1, at most 1 at a time/);
    assert.match(text, /batch 1: web-1 \(i-AAAAAAAA, Unknown\)/);
    assert.match(text, /batch 2: web-2 \(i-BBBBBBBB, Old, offline\)/);
  });

  it('formatPlan shows why a deployment would fail at once', () => {
    const text = formatPlan({ ...PLAN, batches: [], problem: { code: 'HEALTH_CONSTRAINTS_INVALID', message: 'too strict' } });
    assert.match(text, /would fail at once: HEALTH_CONSTRAINTS_INVALID: too strict/);
  });

  it('deploy --plan posts to /v1/deployments/plan and starts nothing', async () => {
    api = await startFakeApi(() => ({ status: 200, json: PLAN }));
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    const code = await runCli(['deploy', '--plan', '--application', 'a', '--group', 'g', '--revision', 'r-ABCDEFGH'], c.ctx);
    assert.equal(code, 0);
    assert.deepEqual(api.requests.map((r) => `${r.method} ${r.url}`), ['POST /v1/deployments/plan']);
    assert.match(c.stdout(), /batch 2: web-2/);
  });

  it('stop --no-rollback asks the coordinator not to roll back', async () => {
    api = await startFakeApi(() => ({ status: 200, json: { status: 'Pending', statusMessage: '1 instance(s) are aborting' } }));
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['stop', 'd-ABCDEFGH', '--no-rollback'], c.ctx), 0);
    assert.equal(api.requests[0]?.url, '/v1/deployments/d-ABCDEFGH/stop');
    assert.deepEqual(JSON.parse(api.requests[0]!.body.toString()), { autoRollbackEnabled: false });
    assert.match(c.stdout(), /^Pending: /);
  });

  it('instances tag sends the KEY=VALUE pairs', async () => {
    api = await startFakeApi(() => ({ status: 200, json: { instanceId: 'i-AAAAAAAA', hostname: 'web-1', tags: { rack: 'r1' }, connected: true, registeredAt: '2024-01-01T00:00:00Z' } }));
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['instances', 'tag', 'i-AAAAAAAA', 'rack=r1'], c.ctx), 0);
    assert.deepEqual(JSON.parse(api.requests[0]!.body.toString()), { tags: { rack: 'r1' } });
  });

  it('instances untag without a key is a usage error', async () => {
    const c = capture({ DECKHAND_URL: 'http://127.0.0.1:1', DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['instances', 'untag', 'i-AAAAAAAA'], c.ctx), 2);
    assert.match(c.stderr(), /untag needs at least one KEY/);
  });
});
