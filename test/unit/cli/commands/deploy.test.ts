import assert from 'node:assert/strict';
import { runCli } from '../../../../cli/src/cli.ts';
import { parseDeployArgs } from '../../../../cli/src/commands/deploy.ts';
import { CliError } from '../../../../cli/src/errors.ts';
import { capture, deployment, ev, startFakeApi, target, type FakeApi } from '../helpers.ts';

const REQUIRED = ['--application', 'app', '--group', 'grp', '--revision', 'r-ABCDEFGH'];
const S = 'Succeeded' as const;

describe('deckhand deploy', () => {
  let api: FakeApi | undefined;

  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  describe('parseDeployArgs', () => {
    it('builds the request from the flags', () => {
      const args = parseDeployArgs([...REQUIRED, '--config', 'HalfAtATime', '--file-exists-behavior', 'overwrite', '--param', 'A=1', '--param', 'B=x=y']);
      assert.notEqual(args, 'help');
      if (args === 'help') return;
      assert.deepEqual(args.req, {
        applicationName: 'app',
        deploymentGroupName: 'grp',
        revisionId: 'r-ABCDEFGH',
        parameters: { A: '1', B: 'x=y' },
        ignoreApplicationStopFailures: false,
        deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
        fileExistsBehavior: 'OVERWRITE',
      });
      assert.equal(args.wait, false);
    });

    it('names the missing required flag', () => {
      assert.throws(() => parseDeployArgs(['--application', 'app', '--revision', 'r-ABCDEFGH']), /missing required --group/);
    });

    it('rejects an unknown file-exists behavior', () => {
      assert.throws(() => parseDeployArgs([...REQUIRED, '--file-exists-behavior', 'MERGE']), /DISALLOW, OVERWRITE or RETAIN/);
    });
  });

  it('exits 2 with the usage on an unknown flag', async () => {
    const c = capture();
    assert.equal(await runCli(['deploy', ...REQUIRED, '--fast'], c.ctx), 2);
    assert.match(c.stderr(), /^error: Unknown option '--fast'\n\nUsage: deckhand deploy/);
    assert.equal(c.stdout(), '');
  });

  it('prints the help on stdout and exits 0', async () => {
    const c = capture();
    assert.equal(await runCli(['deploy', '--help'], c.ctx), 0);
    assert.match(c.stdout(), /^Usage: deckhand deploy/);
  });

  it('without --wait prints the deployment id and exits 0', async () => {
    api = await startFakeApi(() => ({ status: 201, json: deployment('Created', []) }));
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['deploy', ...REQUIRED], c.ctx), 0);
    assert.equal(c.stdout(), 'd-TESTDEPLOY1\n');
    assert.equal(JSON.parse(api.requests[0]?.body.toString() ?? '').revisionId, 'r-ABCDEFGH');
  });

  it('with --json prints exactly one JSON object, the deployment', async () => {
    api = await startFakeApi(() => ({ status: 201, json: deployment('Created', []) }));
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    await runCli(['deploy', ...REQUIRED, '--json'], c.ctx);
    assert.equal(JSON.parse(c.stdout()).deploymentId, 'd-TESTDEPLOY1');
  });

  it('with --json prints the API error as one JSON object and exits 1', async () => {
    api = await startFakeApi(() => ({ status: 404, json: { error: { code: 'NOT_FOUND', message: 'no group grp' } } }));
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(['deploy', ...REQUIRED, '--json'], c.ctx), 1);
    assert.deepEqual(JSON.parse(c.stdout()), { error: { code: 'NOT_FOUND', message: 'no group grp' } });
    assert.equal(c.stderr(), 'error: NOT_FOUND: no group grp\n');
  });

  describe('--wait', () => {
    function serve(views: ReturnType<typeof deployment>[]): Promise<FakeApi> {
      let polls = 0;
      return startFakeApi((req) => {
        if (req.method === 'POST') return { status: 201, json: deployment('Created', []) };
        if (req.url.includes('/logs')) return { status: 200, text: LOG_STREAM };
        return { status: 200, json: views[Math.min(polls++, views.length - 1)] };
      });
    }

    const line = { cursor: 1, instanceId: 'i-H1XXXXXX', hostname: 'h1', lifecycleEvent: 'AfterInstall', seq: 1, at: '2030-01-01T00:00:00.000Z', stream: 'stdout', text: 'migrating \u001b[2Jdb' };
    const LOG_STREAM = `id: 1\nevent: lines\ndata: ${JSON.stringify({ lines: [line] })}\n\nevent: end\ndata: {"status":"Succeeded"}\n\n`;

    it('prints running hooks\' output, sanitized, and none with --quiet', async () => {
      const views = [deployment('Succeeded', [target('h1', 'Succeeded', ['Skipped', S, S, S, S, S, S])])];
      api = await serve(views);
      const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
      assert.equal(await runCli(['deploy', ...REQUIRED, '--wait'], c.ctx), 0);
      assert.match(c.stderr(), /h1 AfterInstall \| migrating \\x1b\[2Jdb\n/);
      const quiet = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
      assert.equal(await runCli(['deploy', ...REQUIRED, '--wait', '--quiet'], quiet.ctx), 0);
      assert.doesNotMatch(quiet.stderr(), /migrating/);
    });

    it('follows the deployment and exits 0 when it Succeeded', async () => {
      api = await serve([
        deployment('InProgress', [target('h1', 'InProgress', ['Skipped', S])]),
        deployment('Succeeded', [target('h1', 'Succeeded', ['Skipped', S, S, S, S, S, S])]),
      ]);
      const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
      assert.equal(await runCli(['deploy', ...REQUIRED, '--wait'], c.ctx), 0);
      assert.equal(c.stdout(), 'd-TESTDEPLOY1\n');
      assert.match(c.stderr(), /h1 +ValidateService +Succeeded/);
      assert.match(c.stderr(), /progress: 1\/1 hosts done/);
      assert.match(c.stderr(), /deployment d-TESTDEPLOY1 Succeeded\n$/);
    });

    it('exits 1 and names the failing host, event, code, message and log tail', async () => {
      const failed = deployment('Failed', [target('h1', 'Failed', ['Skipped', S, S])]);
      failed.targets[0]!.lifecycleEvents[3] = ev('Install', 'Failed', {
        diagnostics: { errorCode: 'ScriptFailed', message: 'exit 1', scriptName: 'x.sh', logTail: 'oops' },
      });
      api = await serve([failed]);
      const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
      assert.equal(await runCli(['deploy', ...REQUIRED, '--wait'], c.ctx), 1);
      assert.match(c.stderr(), /failed: h1 \(i-H1XXXXXX\) Install: ScriptFailed: exit 1 \(script x\.sh\)\n  log tail:\n    \| oops\n$/);
    });

    it('stops watching on interrupt with exit 130 and says the deployment carries on', async () => {
      api = await serve([deployment('InProgress', [target('h1', 'InProgress', ['Skipped'])])]);
      const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new CliError('interrupted', { exitCode: 130 })), 400);
      assert.equal(await runCli(['deploy', ...REQUIRED, '--wait'], { ...c.ctx, signal: controller.signal }), 130);
      assert.match(c.stderr(), /stopped watching; deployment d-TESTDEPLOY1 carries on \(deckhand status d-TESTDEPLOY1\)\nerror: interrupted\n$/);
    });

    it('with --json prints only the final deployment on stdout', async () => {
      api = await serve([deployment('Failed', [target('h1', 'Failed')])]);
      const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
      assert.equal(await runCli(['deploy', ...REQUIRED, '--wait', '--json'], c.ctx), 1);
      assert.equal(JSON.parse(c.stdout()).status, 'Failed');
    });
  });
});
