import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AGENT_EVENT_ORDER } from '../../protocol/src/index.ts';
import { Cluster } from './cluster.ts';
import { RECORD_HOOK, appspec, makeTgz } from './bundles.ts';

const SCRIPTED = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'];
const ALL_HOOKS = Object.fromEntries(SCRIPTED.map((e) => [e, 'scripts/record.sh']));

interface HookRecord {
  event: string;
  deploymentId: string;
  start: bigint;
  end: bigint;
}

function hookRecords(root: string, deploymentId: string): HookRecord[] {
  const file = path.join(root, 'hooks.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .map(([event, id, start, end]) => ({ event: event!, deploymentId: id!, start: BigInt(start!), end: BigInt(end!) }))
    .filter((r) => r.deploymentId === deploymentId);
}

describe('a deployment end to end (coordinator and three agent processes on loopback)', function () {
  this.timeout(120_000);
  const cluster = new Cluster();
  let revisionV1 = '';

  async function upload(files: Record<string, string>): Promise<string> {
    const res = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz(files));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.revisionId as string;
  }

  async function deploy(revisionId: string, config: string): Promise<any> {
    const res = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId, deploymentConfigName: config,
      fileExistsBehavior: 'OVERWRITE',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return cluster.waitForDeployment(res.body.deploymentId);
  }

  before(async function () {
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    for (let i = 0; i < 3; i++) await cluster.addAgent({ role: 'web' });
    await cluster.addAgent({ role: 'db' });
    revisionV1 = await upload({
      'appspec.yml': appspec(ALL_HOOKS),
      'scripts/record.sh': RECORD_HOOK,
      'site/index.html': '<h1>v1</h1>\n',
    });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
  });

  it('runs every hook in CodeDeploy order on each tagged host and installs the files (OneAtATime)', async function () {
    const view = await deploy(revisionV1, 'CodeDeployDefault.OneAtATime');
    assert.equal(view.status, 'Succeeded', JSON.stringify(view));
    const web = cluster.agents.slice(0, 3);
    assert.deepEqual(view.targets.map((t: any) => t.instanceId).sort(), web.map((a) => a.instanceId).sort());
    for (const agent of web) {
      const events = hookRecords(agent.root, view.deploymentId).map((r) => r.event);
      // First deployment to the host: ApplicationStop has no previous revision and is skipped.
      assert.deepEqual(events, ['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService']);
      assert.equal(readFileSync(path.join(agent.destRoot, 'srv/app/index.html'), 'utf8'), '<h1>v1</h1>\n');
    }
    assert.equal(existsSync(path.join(cluster.agents[3]!.destRoot, 'srv/app')), false, 'the db host is not in the group');
  });

  it('never has two hosts in progress at once under OneAtATime', async function () {
    const view = await deploy(revisionV1, 'OneAtATime');
    assert.equal(view.status, 'Succeeded');
    const spans = cluster.agents.slice(0, 3).map((agent) => {
      const recs = hookRecords(agent.root, view.deploymentId);
      assert.equal(recs[0]?.event, 'ApplicationStop', 'the second deployment runs ApplicationStop from the first');
      return { start: recs[0]!.start, end: recs[recs.length - 1]!.end };
    });
    spans.sort((a, b) => (a.start < b.start ? -1 : 1));
    for (let i = 1; i < spans.length; i++) {
      assert.ok(spans[i]!.start >= spans[i - 1]!.end, `host spans overlap: ${JSON.stringify(spans, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    }
  });

  it('deploys to every host at once under AllAtOnce', async function () {
    const view = await deploy(revisionV1, 'CodeDeployDefault.AllAtOnce');
    assert.equal(view.status, 'Succeeded');
    const starts = cluster.agents.slice(0, 3).map((a) => hookRecords(a.root, view.deploymentId)[0]!);
    const ends = cluster.agents.slice(0, 3).map((a) => hookRecords(a.root, view.deploymentId).at(-1)!);
    const lastStart = starts.reduce((m, r) => (r.start > m ? r.start : m), 0n);
    const firstEnd = ends.reduce((m, r) => (r.end < m ? r.end : m), ends[0]!.end);
    assert.ok(lastStart < firstEnd, 'all three hosts were in progress together');
    for (const target of view.targets) {
      assert.deepEqual(target.lifecycleEvents.map((e: any) => e.lifecycleEventName), [
        'BeforeBlockTraffic', 'AfterBlockTraffic',
        'ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService',
        'BeforeAllowTraffic', 'AfterAllowTraffic',
      ]);
      // The traffic hooks of a group without traffic control are Skipped, saying why.
      const traffic = target.lifecycleEvents.filter((e: any) => /Traffic$/.test(e.lifecycleEventName));
      assert.ok(traffic.every((e: any) => e.status === 'Skipped' && /traffic control/.test(e.message)), JSON.stringify(traffic));
      assert.ok(target.lifecycleEvents.filter((e: any) => !/Traffic$/.test(e.lifecycleEventName)).every((e: any) => e.status === 'Succeeded'), JSON.stringify(target));
    }
  });

  it('fails the deployment with ScriptFailed and the output tail when a hook exits 1', async function () {
    const failing = await upload({
      'appspec.yml': appspec({ BeforeInstall: 'scripts/record.sh', AfterInstall: 'scripts/migrate.sh' }),
      'scripts/record.sh': RECORD_HOOK,
      'scripts/migrate.sh': '#!/bin/bash\necho "applying migration 42"\necho "migration 42 failed: table locked" >&2\nexit 1\n',
      'site/index.html': '<h1>v2</h1>\n',
    });
    const view = await deploy(failing, 'OneAtATime');
    assert.equal(view.status, 'Failed');
    const failed = view.targets.filter((t: any) => t.status === 'Failed');
    assert.equal(failed.length, 1, 'OneAtATime stops after the first failed host');
    const event = failed[0].lifecycleEvents.find((e: any) => e.lifecycleEventName === 'AfterInstall');
    assert.equal(event.status, 'Failed');
    assert.equal(event.diagnostics.errorCode, 'ScriptFailed');
    assert.match(event.diagnostics.message, /scripts\/migrate\.sh/);
    assert.match(event.diagnostics.logTail, /migration 42 failed: table locked/);
    const later = failed[0].lifecycleEvents.find((e: any) => e.lifecycleEventName === 'ApplicationStart');
    assert.equal(later.status, 'Skipped');
    assert.ok(view.errorInformation, 'the deployment says why it failed');
  });

  it('reports the traffic hooks Skipped, saying why, on a group without traffic control, and runs none of them', async function () {
    const traffic = ['BeforeBlockTraffic', 'AfterBlockTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'];
    const revision = await upload({
      'appspec.yml': appspec({ ...ALL_HOOKS, ...Object.fromEntries(traffic.map((e) => [e, 'scripts/record.sh'])) }),
      'scripts/record.sh': RECORD_HOOK,
      'site/index.html': '<h1>v1</h1>\n',
    });
    const view = await deploy(revision, 'AllAtOnce');
    assert.equal(view.status, 'Succeeded', JSON.stringify(view));
    for (const agent of cluster.agents.slice(0, 3)) {
      const ran = hookRecords(agent.root, view.deploymentId).map((r) => r.event);
      assert.deepEqual(ran.filter((e) => traffic.includes(e)), []);
      assert.deepEqual(ran.slice(-4), ['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService']);
      const db = new Database(path.join(agent.root, 'agent.db'), { readonly: true });
      try {
        const rows = db.prepare('SELECT event, status, message FROM events WHERE deployment_id = ? ORDER BY rowid').all(view.deploymentId) as any[];
        assert.deepEqual(rows.map((r) => r.event), [...AGENT_EVENT_ORDER]);
        for (const row of rows.filter((r) => traffic.includes(r.event))) {
          assert.equal(row.status, 'Skipped');
          assert.match(row.message, /runs only when the deployment group has traffic control/);
        }
      } finally {
        db.close();
      }
    }
  });

  it('refuses a bundle without an appspec at upload, saying so, before any host sees it', async function () {
    const res = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz({ 'site/index.html': 'no spec\n' }));
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /no appspec.yml or appspec.yaml at its root/);
  });
});
