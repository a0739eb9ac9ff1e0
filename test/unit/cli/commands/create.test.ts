import assert from 'node:assert/strict';
import { runCli } from '../../../../cli/src/cli.ts';
import { tokenRequest } from '../../../../cli/src/commands/tokens.ts';
import { capture, startFakeApi, type FakeApi } from '../helpers.ts';

const GROUP = {
  deploymentGroupId: 'dg-GROUP0001',
  applicationName: 'app',
  name: 'web',
  tagFilters: [],
  deploymentConfigName: 'CodeDeployDefault.OneAtATime',
  createTime: '2024-05-01T12:00:00Z',
};
const TOKEN = { tokenId: 'rt-TOKEN0001', token: 'dhr_secret', expiresAt: '2024-05-01T13:00:00Z', maxUses: 1, uses: 0, tags: {} };

describe('deckhand create commands', () => {
  let api: FakeApi;

  beforeEach(async () => {
    api = await startFakeApi((req) => {
      if (req.url === '/v1/applications' && req.method === 'GET') return { status: 200, json: { applications: [] } };
      if (req.url === '/v1/applications') return { status: 201, json: { applicationId: 'a-APP00001', name: 'app', createTime: 'x' } };
      if (req.url === '/v1/registration-tokens') return { status: 201, json: TOKEN };
      return { status: 201, json: GROUP };
    });
  });

  afterEach(() => api.close());

  const env = (): NodeJS.ProcessEnv => ({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
  const bodyOf = (i: number): unknown => JSON.parse(api.requests[i]?.body.toString() ?? '');

  describe('groups create', () => {
    it('creates the application, then the group with KEY_AND_VALUE filters', async () => {
      const c = capture(env());
      const argv = ['groups', 'create', '--application', 'app', '--name', 'web', '--tag', 'env=prod', '--tag', 'role=web', '--config', 'AllAtOnce'];
      assert.equal(await runCli(argv, c.ctx), 0);
      assert.equal(api.requests[1]?.url, '/v1/applications');
      assert.equal(api.requests[2]?.url, '/v1/applications/app/deployment-groups');
      assert.deepEqual(bodyOf(2), {
        name: 'web',
        tagFilters: [
          { key: 'env', value: 'prod', type: 'KEY_AND_VALUE' },
          { key: 'role', value: 'web', type: 'KEY_AND_VALUE' },
        ],
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      });
      assert.equal(c.stdout(), 'dg-GROUP0001\n');
    });

    it('--json prints exactly one JSON object, the group', async () => {
      const c = capture(env());
      await runCli(['groups', 'create', '--application', 'app', '--name', 'web', '--json'], c.ctx);
      assert.deepEqual(JSON.parse(c.stdout()), GROUP);
    });

    it('needs --name, with exit code 2 and no request', async () => {
      const c = capture(env());
      assert.equal(await runCli(['groups', 'create', '--application', 'app'], c.ctx), 2);
      assert.equal(api.requests.length, 0);
    });

    it('rejects an unknown subcommand with exit code 2', async () => {
      const c = capture(env());
      assert.equal(await runCli(['groups', 'destroy', '--name', 'x'], c.ctx), 2);
      assert.match(c.stderr(), /unknown subcommand destroy/);
    });
  });

  describe('tokens create', () => {
    it('maps --ttl, --tag and --multi-use onto the request', () => {
      assert.deepEqual(tokenRequest({ ttl: '30m', tag: ['env=demo'], 'multi-use': true }), {
        tags: { env: 'demo' },
        ttlSeconds: 1800,
        maxUses: null,
      });
      assert.deepEqual(tokenRequest({ 'max-uses': '5' }), { tags: {}, maxUses: 5 });
    });

    it('refuses --max-uses together with --multi-use', () => {
      assert.throws(() => tokenRequest({ 'max-uses': '2', 'multi-use': true }), /exclude each other/);
    });

    it('prints the token on stdout', async () => {
      const c = capture(env());
      assert.equal(await runCli(['tokens', 'create', '--ttl', '1h'], c.ctx), 0);
      assert.equal(c.stdout(), 'dhr_secret\n');
      assert.deepEqual(bodyOf(0), { tags: {}, ttlSeconds: 3600 });
    });

    it('--json prints exactly one JSON object with the token', async () => {
      const c = capture(env());
      await runCli(['tokens', 'create', '--json'], c.ctx);
      assert.equal(JSON.parse(c.stdout()).token, 'dhr_secret');
      assert.equal(c.stderr(), '');
    });

    it('rejects a bad --ttl with exit code 2', async () => {
      const c = capture(env());
      assert.equal(await runCli(['tokens', 'create', '--ttl', 'forever'], c.ctx), 2);
    });
  });

  describe('applications create', () => {
    it('prints the application id', async () => {
      const c = capture(env());
      assert.equal(await runCli(['applications', 'create', 'app'], c.ctx), 0);
      assert.equal(c.stdout(), 'a-APP00001\n');
    });

    it('--json prints exactly one JSON object', async () => {
      const c = capture(env());
      await runCli(['applications', 'create', 'app', '--json'], c.ctx);
      assert.equal(JSON.parse(c.stdout()).name, 'app');
    });

    it('needs exactly one NAME', async () => {
      const c = capture(env());
      assert.equal(await runCli(['applications', 'create'], c.ctx), 2);
      assert.equal(await runCli(['applications', 'create', 'a', 'b'], c.ctx), 2);
    });
  });
});
