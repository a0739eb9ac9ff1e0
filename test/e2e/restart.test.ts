import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, waitFor, type AgentProcess } from './cluster.ts';
import { appspec, makeTgz } from './bundles.ts';

/**
 * A hook that counts its runs, prints while it waits for `$DECKHAND_ROOT/<go file>` (with pipes
 * those writes would SIGPIPE it once its agent was dead), then exits with `code`.
 */
const waitingHook = (goFile: string, code: number): string => `#!/bin/sh
echo run >> "$DECKHAND_ROOT/runs-$LIFECYCLE_EVENT"
while [ ! -f "$DECKHAND_ROOT/${goFile}" ]; do echo waiting; sleep 0.1; done
echo "went on after $(wc -l < "$DECKHAND_ROOT/runs-$LIFECYCLE_EVENT") run(s)"
exit ${code}
`;

/** A hook that asks for a reboot the first time it runs and succeeds the second time. */
const REBOOT_HOOK = `#!/bin/sh
echo run >> "$DECKHAND_ROOT/runs-$LIFECYCLE_EVENT"
if [ ! -f "$DECKHAND_ROOT/asked-for-reboot" ]; then touch "$DECKHAND_ROOT/asked-for-reboot"; echo "rebooting"; exit 194; fi
echo "back after the reboot"
`;

function runs(agent: AgentProcess, event: string): number {
  const file = path.join(agent.root, `runs-${event}`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0;
}

function eventOf(view: any, name: string): any {
  return view.targets[0].lifecycleEvents.find((e: any) => e.lifecycleEventName === name);
}

describe('agent restarts, reboots and a coordinator away (real coordinator and agent processes)', function () {
  this.timeout(90_000);
  const cluster = new Cluster();

  async function deploy(group: string, files: Record<string, string>): Promise<string> {
    const upload = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz(files));
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const res = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: group, revisionId: upload.body.revisionId,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.deploymentId as string;
  }

  before(async function () {
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    for (const role of ['restart', 'reboot', 'offline']) {
      const group = await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
        name: role, tagFilters: [{ key: 'role', value: role, type: 'KEY_AND_VALUE' }],
      });
      assert.equal(group.status, 201, JSON.stringify(group.body));
    }
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
  });

  it('reports a hook that outlived kill -9 of its agent with its real exit code, without running it again', async () => {
    const agent = await cluster.addAgent({ role: 'restart' });
    const id = await deploy('restart', {
      'appspec.yml': appspec({ AfterInstall: 'scripts/slow.sh' }),
      'scripts/slow.sh': waitingHook('go', 3),
      'site/index.html': 'v1\n',
    });
    await waitFor('the hook to start', () => (runs(agent, 'AfterInstall') === 1 ? true : undefined));
    await cluster.killAgent(agent);
    // The hook keeps printing while no agent reads its output; then a new agent starts.
    await new Promise((r) => setTimeout(r, 500));
    const restarted = await cluster.restartAgent(agent);
    writeFileSync(path.join(agent.root, 'go'), '');
    const view = await cluster.waitForDeployment(id);
    const event = eventOf(view, 'AfterInstall');
    assert.equal(event.status, 'Failed', JSON.stringify(event));
    assert.equal(event.diagnostics.errorCode, 'ScriptFailed');
    assert.match(event.diagnostics.message, /scripts\/slow\.sh failed with exit code 3/);
    assert.match(event.diagnostics.logTail, /went on after 1 run\(s\)/);
    assert.equal(runs(restarted, 'AfterInstall'), 1, 'the hook ran once');
  });

  it('runs a hook that exited 194 again after a reboot and finishes the deployment', async () => {
    const host = await cluster.registerHost({ role: 'reboot' });
    const bootIdFile = path.join(host.root, 'boot_id');
    writeFileSync(bootIdFile, 'boot-1\n');
    // The "reboot": a new boot id, and the agent dies as it would when the host goes down.
    const args = ['--boot-id-file', bootIdFile, '--reboot-command', `echo boot-2 > '${bootIdFile}'; kill -9 $DECKHAND_AGENT_PID`];
    const agent = await cluster.runAgent(host, args);
    const id = await deploy('reboot', {
      'appspec.yml': appspec({ ApplicationStart: 'scripts/reboot.sh' }),
      'scripts/reboot.sh': REBOOT_HOOK,
      'site/index.html': 'v1\n',
    });
    await waitFor('the agent to be "rebooted"', () => (agent.proc.exitCode !== null || agent.proc.signalCode !== null ? true : undefined));
    assert.equal(readFileSync(bootIdFile, 'utf8').trim(), 'boot-2');
    await cluster.restartAgent(agent, args);
    const view = await cluster.waitForDeployment(id);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view));
    assert.equal(runs(agent, 'ApplicationStart'), 2, 'once before the reboot, once after');
  });

  it('finishes a deployment while the coordinator is down and reports it when the coordinator is back', async () => {
    const agent = await cluster.addAgent({ role: 'offline' });
    const id = await deploy('offline', {
      'appspec.yml': appspec({ AfterInstall: 'scripts/slow.sh', ValidateService: 'scripts/done.sh' }),
      'scripts/slow.sh': waitingHook('go-offline', 0),
      'scripts/done.sh': '#!/bin/sh\ntouch "$DECKHAND_ROOT/validated"\n',
      'site/index.html': 'v1\n',
    });
    await waitFor('the hook to start', () => (runs(agent, 'AfterInstall') === 1 ? true : undefined));
    await cluster.killCoordinator();
    writeFileSync(path.join(agent.root, 'go-offline'), '');
    await waitFor('the last hook to run without the coordinator', () => (existsSync(path.join(agent.root, 'validated')) ? true : undefined));
    await cluster.restartCoordinator();
    const view = await cluster.waitForDeployment(id);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view));
    assert.equal(eventOf(view, 'ValidateService').status, 'Succeeded');
  });

  it('keeps an idle agent running while the coordinator is down, and it connects again', async () => {
    const agent = await cluster.addAgent({ role: 'offline' });
    await cluster.killCoordinator();
    // Disconnected with no deployment running: nothing but the agent's wish to reconnect keeps it alive.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(agent.proc.exitCode, null, `the agent exited (${agent.proc.exitCode}) while the coordinator was down`);
    await cluster.restartCoordinator();
    await waitFor('the idle agent to connect again', async () => {
      const { body } = await cluster.api('GET', '/v1/instances');
      return body.instances.some((i: { instanceId: string; connected: boolean }) => i.instanceId === agent.instanceId && i.connected) ? true : undefined;
    });
  });
});
