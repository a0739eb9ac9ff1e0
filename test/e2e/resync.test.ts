/**
 * Journal resynchronisation with real processes: a coordinator whose store went back in time
 * (restored from a backup taken while a hook ran) gets the events it lost from the agent and
 * finishes the deployment; an agent whose journal went back (restored from a copy) has its new
 * events renumbered and applied, so the next deployment succeeds instead of timing out.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, stopProcess, waitFor, type AgentProcess } from './cluster.ts';
import { appspec, makeTgz } from './bundles.ts';
import { backupSqlite as backup, restoreSqlite as restore } from '../support/sqlite-copy.ts';

const WAIT_HOOK = `#!/bin/sh
while [ ! -f "$DECKHAND_ROOT/go" ]; do sleep 0.1; done
echo went on
`;

describe('journal resynchronisation (real coordinator and agent processes)', function () {
  this.timeout(120_000);
  const cluster = new Cluster();
  let agent: AgentProcess;

  async function deploy(files: Record<string, string>): Promise<string> {
    const upload = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz(files));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const res = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'web', revisionId: upload.body.revisionId,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.deploymentId as string;
  }

  const plain = (text: string): Record<string, string> => ({ 'appspec.yml': appspec({}), 'site/index.html': `${text}\n` });

  before(async () => {
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
    });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    agent = await cluster.addAgent({ role: 'web' });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
  });

  it('finishes a deployment whose last events a restored coordinator store lost: the agent sends them again', async () => {
    const store = path.join(cluster.dir, 'coordinator', 'coordinator.db');
    const copy = path.join(cluster.dir, 'store-backup.db');
    const id = await deploy({ 'appspec.yml': appspec({ AfterInstall: 'scripts/wait.sh' }), 'scripts/wait.sh': WAIT_HOOK, 'site/index.html': 'a\n' });
    await cluster.waitForView(id, 'to reach AfterInstall', (v) =>
      v.targets[0]?.lifecycleEvents.some((e: any) => e.lifecycleEventName === 'AfterInstall' && e.status === 'InProgress'));
    await backup(store, copy);
    writeFileSync(path.join(agent.root, 'go'), '');
    assert.equal((await cluster.waitForDeployment(id)).status, 'Succeeded');

    await cluster.killCoordinator();
    restore(copy, store);
    await cluster.restartCoordinator();
    const view = await cluster.waitForDeployment(id);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view.targets[0]?.lifecycleEvents));
    assert.match(cluster.logs(), /"finding":"coordinator_behind"/);
    const next = await cluster.waitForDeployment(await deploy(plain('b')));
    assert.equal(next.status, 'Succeeded', JSON.stringify(next.targets[0]?.lifecycleEvents));
  });

  it('deploys to an agent whose journal was restored from an older copy: its new events are renumbered, not dropped', async () => {
    const journal = path.join(agent.root, 'agent.db');
    const copy = path.join(cluster.dir, 'journal-backup.db');
    await backup(journal, copy);
    const between = await cluster.waitForDeployment(await deploy(plain('c')));
    assert.equal(between.status, 'Succeeded');

    await stopProcess(agent.proc);
    restore(copy, journal);
    assert.ok(existsSync(journal));
    agent = await cluster.restartAgent(agent);
    const view = await cluster.waitForDeployment(await deploy(plain('d')), 45_000);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view.targets[0]?.lifecycleEvents));
    assert.match(cluster.logs(), /"finding":"(agent_behind|diverged)"/);
    await waitFor('the agent to say it renumbered', () => (/journal behind the coordinator/.test(cluster.logs()) ? true : undefined));
  });
});
