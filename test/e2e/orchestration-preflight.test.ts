import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, type AgentProcess } from './cluster.ts';
import { appspec, makeTgz } from './bundles.ts';

/** Leaves a marker if any hook ever runs: preflight must run none. */
const MARK_HOOK = '#!/bin/bash\ntouch "$DECKHAND_ROOT/hook-ran"\n';

describe('deckhand deploy --preflight end to end (coordinator and two agent processes on loopback)', function () {
  this.timeout(60_000);
  const cluster = new Cluster();
  let conflicted: AgentProcess;
  let clean: AgentProcess;
  let revisionId = '';
  const args = (): string[] => ['deploy', '--preflight', '--application', 'shop', '--group', 'web', '--revision', revisionId];

  before(async function () {
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    [conflicted, clean] = await Promise.all([cluster.addAgent({ role: 'web' }), cluster.addAgent({ role: 'web' })]) as [AgentProcess, AgentProcess];
    const bundle = await makeTgz({
      'appspec.yml': appspec({ BeforeInstall: 'scripts/mark.sh', ValidateService: 'scripts/mark.sh' }),
      'scripts/mark.sh': MARK_HOOK,
      'site/index.html': '<h1>new</h1>\n',
    });
    const rev = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', bundle);
    assert.equal(rev.status, 201, JSON.stringify(rev.body));
    revisionId = rev.body.revisionId;
    // A file the revision would install already exists on one host: DISALLOW (the default) conflicts.
    mkdirSync(path.join(conflicted.destRoot, 'srv', 'app'), { recursive: true });
    writeFileSync(path.join(conflicted.destRoot, 'srv', 'app', 'index.html'), 'old\n');
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
  });

  it('prints a row per host: the conflicted host fails naming the file, the clean one is ok; exit 1', async function () {
    const out = await cluster.cli(args());
    assert.equal(out.code, 1, out.stderr);
    const rowOf = (a: AgentProcess): string => out.stdout.split('\n').find((l) => l.includes(a.instanceId)) ?? '';
    assert.match(rowOf(conflicted), /\bFAIL\b.*conflicts: file_exists_behavior is DISALLOW and .*srv\/app\/index\.html already exists/);
    assert.match(rowOf(clean), /\bok\b/);
    assert.match(out.stdout, /preflight failed on 1 of 2 host\(s\)/);
  });

  it('with --json prints one object with each host\'s result and problems', async function () {
    const out = await cluster.cli([...args(), '--json']);
    assert.equal(out.code, 1, out.stderr);
    const hosts = (JSON.parse(out.stdout) as { hosts: { instanceId: string; ok: boolean; problems: string[] }[] }).hosts;
    const byId = new Map(hosts.map((h) => [h.instanceId, h]));
    assert.equal(byId.get(clean.instanceId)?.ok, true);
    assert.deepEqual(byId.get(clean.instanceId)?.problems, []);
    assert.equal(byId.get(conflicted.instanceId)?.ok, false);
    assert.equal(byId.get(conflicted.instanceId)?.problems.length, 1);
  });

  it('created no deployment, ran no hook and left no scratch files on either host', async function () {
    const res = await cluster.api('POST', '/v1/deployments/preflight', { applicationName: 'shop', deploymentGroupName: 'web', revisionId });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((await cluster.api('GET', '/v1/deployments')).body.deployments, []);
    for (const agent of [conflicted, clean]) {
      assert.equal(existsSync(path.join(agent.root, 'hook-ran')), false, `a hook ran on ${agent.instanceId}`);
      assert.deepEqual(readdirSync(path.join(agent.root, 'preflight')), []);
    }
  });

  it('exits 0 once the conflicting file is gone', async function () {
    rmSync(path.join(conflicted.destRoot, 'srv', 'app', 'index.html'));
    const out = await cluster.cli(args());
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /preflight passed on all 2 host\(s\)/);
  });
});
