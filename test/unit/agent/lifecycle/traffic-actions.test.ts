import assert from 'node:assert/strict';
import path from 'node:path';
import { BLUE_EVENT_ORDER, RETIRE_EVENT, TRAFFIC_EVENT_ORDER, type TrafficRequestBody, type TrafficResultBody } from '../../../../protocol/src/index.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { runDeployment } from '../../../../agent/src/lifecycle/deployment.ts';
import type { LifecycleDeps } from '../../../../agent/src/lifecycle/types.ts';
import { deployCommand, removeDir, tempDir } from '../journal/fixtures.ts';
import { FakeHooks, FakeRevision, lifecycleDeps } from './fakes.ts';

/** A coordinator that answers every traffic request at once with `answer`. */
class FakeTraffic {
  readonly asked: TrafficRequestBody[] = [];
  answer: (req: TrafficRequestBody) => Omit<TrafficResultBody, 'deploymentId' | 'commandId' | 'lifecycleEvent'> = () => ({ status: 'Succeeded' });
  async perform(req: TrafficRequestBody): Promise<TrafficResultBody> {
    this.asked.push(req);
    return { ...req, ...this.answer(req) };
  }
}

describe('traffic events on the agent', () => {
  let root: string;
  let journal: Journal;
  let hooks: FakeHooks;
  let traffic: FakeTraffic;
  let deps: LifecycleDeps;

  beforeEach(() => {
    root = tempDir();
    journal = Journal.open(path.join(root, 'agent.db'));
    hooks = new FakeHooks();
    traffic = new FakeTraffic();
    deps = { ...lifecycleDeps(journal, root, hooks, new FakeRevision()), traffic };
  });
  afterEach(() => {
    journal.close();
    removeDir(root);
  });

  async function deploy(n: number, overrides: Parameters<typeof deployCommand>[2]): Promise<string> {
    const body = deployCommand(`c-CMD000${n}`, `d-DEP000${n}`, overrides);
    journal.recordCommand(body, new Date());
    const command = journal.getCommand(body.commandId);
    assert.ok(command);
    return runDeployment(deps, command, new AbortController().signal);
  }

  function rowsOf(deploymentId: string): string[][] {
    return journal.outbox.pending().filter((r) => r.deploymentId === deploymentId).map((r) => [r.lifecycleEvent ?? 'host', r.status, r.errorCode ?? '']);
  }

  it("runs CodeDeploy's 13 steps, asking the coordinator for BlockTraffic and AllowTraffic and journaling its answers", async () => {
    assert.equal(await deploy(1, { trafficHooks: true, traffic: { runBy: 'coordinator' }, events: [...TRAFFIC_EVENT_ORDER] }), 'Succeeded');
    assert.deepEqual(traffic.asked.map((r) => [r.lifecycleEvent, r.commandId]), [['BlockTraffic', 'c-CMD0001'], ['AllowTraffic', 'c-CMD0001']]);
    const events = rowsOf('d-DEP0001').filter((r) => r[1] !== 'InProgress').map((r) => r[0]);
    assert.deepEqual(events, [...TRAFFIC_EVENT_ORDER, 'host']);
  });

  it("fails the host with the coordinator's code when AllowTraffic fails, and runs nothing after it", async () => {
    traffic.answer = (r) => (r.lifecycleEvent === 'AllowTraffic' ? { status: 'Failed', errorCode: 'CUSTOMER_APPLICATION_UNHEALTHY', message: 'web-1 did not pass 3 health check(s)' } : { status: 'Succeeded' });
    assert.equal(await deploy(1, { trafficHooks: true, traffic: { runBy: 'coordinator' }, events: [...TRAFFIC_EVENT_ORDER] }), 'Failed');
    const rows = rowsOf('d-DEP0001');
    assert.deepEqual(rows.find((r) => r[0] === 'AllowTraffic' && r[1] === 'Failed'), ['AllowTraffic', 'Failed', 'CUSTOMER_APPLICATION_UNHEALTHY']);
    assert.deepEqual(rows.at(-1), ['host', 'Failed', 'CUSTOMER_APPLICATION_UNHEALTHY']);
    assert.equal(hooks.calls.some((c) => c.event === 'AfterAllowTraffic'), false);
  });

  it('runs the group\'s block and allow scripts itself with the command provider, and its check until it passes enough times', async () => {
    const traffic2 = { runBy: 'agent' as const, block: '/opt/lb/drain.sh', allow: '/opt/lb/undrain.sh', check: '/opt/lb/check.sh', timeoutSeconds: 30, healthyPasses: 2, healthIntervalSeconds: 0.1, allowTimeoutSeconds: 10 };
    assert.equal(await deploy(1, { trafficHooks: true, traffic: traffic2, events: [...TRAFFIC_EVENT_ORDER] }), 'Succeeded');
    const lb = hooks.calls.filter((c) => c.archiveDir === '/opt/lb').map((c) => [c.event, c.scripts[0]?.location]);
    assert.deepEqual(lb, [['BlockTraffic', 'drain.sh'], ['AllowTraffic', 'undrain.sh'], ['AllowTraffic', 'check.sh'], ['AllowTraffic', 'check.sh']]);
    assert.equal(traffic.asked.length, 0);
  });

  it('fails AllowTraffic with CUSTOMER_APPLICATION_UNHEALTHY when the check never passes in time', async () => {
    const run = hooks.runEvent.bind(hooks);
    hooks.runEvent = async (req) => (req.scripts[0]?.location === 'check.sh' ? { status: 'Failed', errorCode: 'ScriptFailed', message: 'exit code 1', logTail: '', warnings: [] } : run(req));
    const traffic2 = { runBy: 'agent' as const, block: '/opt/lb/drain.sh', allow: '/opt/lb/undrain.sh', check: '/opt/lb/check.sh', timeoutSeconds: 30, healthyPasses: 1, healthIntervalSeconds: 0.1, allowTimeoutSeconds: 0.5 };
    assert.equal(await deploy(1, { trafficHooks: true, traffic: traffic2, events: [...TRAFFIC_EVENT_ORDER] }), 'Failed');
    assert.deepEqual(rowsOf('d-DEP0001').find((r) => r[0] === 'AllowTraffic' && r[1] === 'Failed'), ['AllowTraffic', 'Failed', 'CUSTOMER_APPLICATION_UNHEALTHY']);
  });

  it('fails AllowTraffic with the script\'s own code when the allow script fails', async () => {
    hooks.failures.set('AllowTraffic', 'exit code 1');
    const traffic2 = { runBy: 'agent' as const, block: '/opt/lb/drain.sh', allow: '/opt/lb/undrain.sh', timeoutSeconds: 30, healthyPasses: 1, healthIntervalSeconds: 0.1, allowTimeoutSeconds: 1 };
    assert.equal(await deploy(1, { trafficHooks: true, traffic: traffic2, events: [...TRAFFIC_EVENT_ORDER] }), 'Failed');
    assert.deepEqual(rowsOf('d-DEP0001').find((r) => r[0] === 'AllowTraffic' && r[1] === 'Failed'), ['AllowTraffic', 'Failed', 'ScriptFailed']);
  });

  it('runs only the block-traffic events and Retire on an original blue/green host, from its last revision', async () => {
    await deploy(1, { trafficHooks: true });
    assert.equal(await deploy(2, { trafficHooks: true, traffic: { runBy: 'coordinator' }, events: [...BLUE_EVENT_ORDER, RETIRE_EVENT] }), 'Succeeded');
    const second = hooks.calls.filter((c) => c.env['DEPLOYMENT_ID'] === 'd-DEP0002');
    assert.deepEqual(second.map((c) => c.event), ['BeforeBlockTraffic', 'AfterBlockTraffic']);
    assert.ok(second.every((c) => c.archiveDir.includes('d-DEP0001')), 'scripts come from the last successful revision');
    assert.deepEqual(rowsOf('d-DEP0002').filter((r) => r[1] !== 'InProgress').map((r) => r.slice(0, 2)), [
      ['BeforeBlockTraffic', 'Succeeded'], ['BlockTraffic', 'Succeeded'], ['AfterBlockTraffic', 'Succeeded'], ['Retire', 'Succeeded'], ['host', 'Succeeded'],
    ]);
  });

  it('ignores a failed block-traffic hook with ignoreApplicationStopFailures, as CodeDeploy does', async () => {
    await deploy(1, { trafficHooks: true });
    hooks.failures.set('BeforeBlockTraffic', 'the old revision\'s script is broken');
    assert.equal(await deploy(2, { trafficHooks: true, ignoreApplicationStopFailures: true }), 'Succeeded');
  });
});
