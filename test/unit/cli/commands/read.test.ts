import assert from 'node:assert/strict';
import { runCli } from '../../../../cli/src/cli.ts';
import { capture, deployment, startFakeApi, target, type FakeApi } from '../helpers.ts';

describe('deckhand status and instances', () => {
  let api: FakeApi;

  beforeEach(async () => {
    api = await startFakeApi((req) =>
      req.url === '/v1/instances'
        ? { status: 200, json: { instances: [{ instanceId: 'i-AAAAAAAA', hostname: 'h1', tags: {}, connected: true, registeredAt: '2024-05-01T11:00:00Z' }] } }
        : { status: 200, json: deployment('Succeeded', [target('h1', 'Succeeded', ['Skipped'])]) },
    );
  });

  afterEach(() => api.close());

  const env = (): NodeJS.ProcessEnv => ({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });

  it('status prints the readable report', async () => {
    const c = capture(env());
    assert.equal(await runCli(['status', 'd-TESTDEPLOY1'], c.ctx), 0);
    assert.match(c.stdout(), /^Deployment d-TESTDEPLOY1 {2}Succeeded\n/);
    assert.equal(api.requests[0]?.url, '/v1/deployments/d-TESTDEPLOY1');
  });

  it('status --json prints exactly one JSON object', async () => {
    const c = capture(env());
    await runCli(['status', 'd-TESTDEPLOY1', '--json'], c.ctx);
    assert.equal(JSON.parse(c.stdout()).targets.length, 1);
  });

  it('status without an id exits 2', async () => {
    const c = capture(env());
    assert.equal(await runCli(['status'], c.ctx), 2);
    assert.match(c.stderr(), /status takes exactly one DEPLOYMENT_ID/);
  });

  it('instances --json prints {instances}', async () => {
    const c = capture(env());
    assert.equal(await runCli(['instances', '--json'], c.ctx), 0);
    assert.deepEqual(Object.keys(JSON.parse(c.stdout())), ['instances']);
  });

  it('instances rejects a positional argument with exit 2', async () => {
    const c = capture(env());
    assert.equal(await runCli(['instances', 'all'], c.ctx), 2);
  });
});
