import assert from 'node:assert/strict';
import { runCli } from '../../../../cli/src/cli.ts';
import { parseDeployArgs } from '../../../../cli/src/commands/deploy.ts';
import { formatPreflight } from '../../../../cli/src/format/preflight.ts';
import type { PreflightResponse } from '../../../../protocol/src/orchestration.ts';
import { capture, startFakeApi, type FakeApi } from '../helpers.ts';

const MIXED: PreflightResponse = {
  hosts: [
    { instanceId: 'i-AAAAAAAA', hostname: 'web-1', ok: false, problems: ['conflicts: /srv/a exists', 'runas: nobody2 missing'] },
    { instanceId: 'i-BBBBBBBB', hostname: 'web-2', ok: true, problems: [] },
  ],
};
const ARGS = ['deploy', '--preflight', '--application', 'a', '--group', 'g', '--revision', 'r-ABCDEFGH'];

describe('deploy --preflight', () => {
  let api: FakeApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('formatPreflight prints host, result and each problem on its own row', () => {
    const lines = formatPreflight(MIXED).split('\n');
    assert.match(lines[0]!, /^HOST\s+RESULT\s+PROBLEMS$/);
    assert.match(lines[1]!, /^web-1 \(i-AAAAAAAA\)\s+FAIL\s+conflicts: \/srv\/a exists$/);
    assert.match(lines[2]!, /^\s+runas: nobody2 missing$/);
    assert.match(lines[3]!, /^web-2 \(i-BBBBBBBB\)\s+ok$/);
    assert.equal(lines[4], 'preflight failed on 1 of 2 host(s)');
  });

  it('posts to /v1/deployments/preflight and exits 1 when a host has problems', async () => {
    api = await startFakeApi(() => ({ status: 200, json: MIXED }));
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli(ARGS, c.ctx), 1);
    assert.deepEqual(api.requests.map((r) => `${r.method} ${r.url}`), ['POST /v1/deployments/preflight']);
  });

  it('exits 0 and prints one JSON object with --json when every host is ok', async () => {
    const allOk: PreflightResponse = { hosts: [MIXED.hosts[1]!] };
    api = await startFakeApi(() => ({ status: 200, json: allOk }));
    const c = capture({ DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' });
    assert.equal(await runCli([...ARGS, '--json'], c.ctx), 0);
    assert.deepEqual(JSON.parse(c.stdout()), allOk);
  });

  it('refuses --preflight with --wait, naming both', () => {
    assert.throws(() => parseDeployArgs([...ARGS.slice(1), '--wait']), /--preflight .* --wait/);
  });
});
