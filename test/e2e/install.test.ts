import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { fetchRuntime, buildAddonFor, defaultCacheDir, NODE_RUNTIME_VERSION } from '../../installers/package/runtime.ts';
import { findPlatform } from '../../installers/package/platforms.ts';
import { parseAgentConfig } from '../../agent/src/config/file.ts';
import { AGENT_NODE_FLAGS } from '../../common/src/agent-process.ts';
import path from 'node:path';
import { Cluster, REPO_ROOT, stopProcess, waitFor } from './cluster.ts';
import { appspec, makeTgz, RECORD_HOOK } from './bundles.ts';
import { requireRoot, requireTool } from '../support/requirements.ts';
import { FakeHost, LAYOUT } from './install-host.ts';

/**
 * install.sh as served by a real coordinator on loopback, run against a pretend host (a folder
 * for `/`, a fake systemctl): install, a deployment to the installed agent, upgrade, uninstall.
 * The steps build on each other, in order.
 */
describe('installing the Linux agent with install.sh from the coordinator', function () {
  this.timeout(120_000);
  const cluster = new Cluster();
  let host: FakeHost;
  let script = '';
  let instanceId = '';
  let agent: ChildProcess | undefined;
  const agentLog: string[] = [];

  async function instances(): Promise<Array<{ instanceId: string; connected: boolean; agentVersion?: string; tags: Record<string, string> }>> {
    return (await cluster.api('GET', '/v1/instances')).body.instances;
  }

  before(async function () {
    // The package carries a Node.js runtime and better-sqlite3 compiled for it: fetched and
    // compiled once, then cached in dist/cache. Done here so no request waits on it.
    this.timeout(20 * 60_000);
    const platform = findPlatform(`linux-${process.arch}`)!;
    const cache = defaultCacheDir(REPO_ROOT);
    await buildAddonFor(await fetchRuntime(platform, cache), platform, REPO_ROOT, cache);
    await cluster.start();
    host = new FakeHost(path.join(cluster.dir, 'host'));
    const res = await fetch(`${cluster.url}/install.sh`);
    assert.equal(res.status, 200);
    script = path.join(cluster.dir, 'install.sh');
    writeFileSync(script, await res.text());
  });

  after(async function () {
    if (agent) await stopProcess(agent);
    await cluster.stop();
  });

  it('serves install.sh with the coordinator URL filled in', function () {
    const text = readFileSync(script, 'utf8');
    assert.match(text, new RegExp(`^DEFAULT_COORDINATOR_URL='${cluster.url}'$`, 'm'));
  });

  it('refuses a malformed --tag and creates nothing', async function () {
    const run = await host.runInstaller(script, ['--token', 'x', '--tag', 'no-equals-sign']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--tag must be KEY=VALUE, got "no-equals-sign"/);
    assert.equal(existsSync(host.path(LAYOUT.prefix)), false);
  });

  it('prints the plan under --dry-run and changes nothing', async function () {
    const run = await host.runInstaller(script, ['--dry-run', '--token', 'x']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /would install and register/);
    assert.match(run.stdout, new RegExp(`prefix +${host.path(LAYOUT.prefix)}`));
    assert.equal(existsSync(host.path(LAYOUT.prefix)), false);
    assert.deepEqual(host.systemctlCalls(), []);
  });

  it('refuses a bad agent setting before registering or writing anything', async function () {
    const token = await cluster.api('POST', '/v1/registration-tokens', { ttlSeconds: 600, maxUses: 1 });
    const run = await host.runInstaller(script, ['--token', token.body.token, '--download-stall-seconds', '-3']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /downloadStallSeconds must be above 0/);
    assert.deepEqual(await instances(), []);
    assert.equal(existsSync(host.path(`${LAYOUT.config}/agent.yml`)), false);
    assert.equal(existsSync(host.path(LAYOUT.unit)), false);
  });

  it('installs where no Node.js is on PATH, registers the host with its tags, and enables and starts the unit', async function () {
    const token = await cluster.api('POST', '/v1/registration-tokens', { ttlSeconds: 600, maxUses: 1, allowTagKeys: ['role'] });
    const args = ['--token', token.body.token, '--tag', 'role=installed', '--reboot-command', 'systemctl reboot', '--log-level', 'debug'];
    const run = await host.runInstaller(script, args, { PATH: host.pathWithoutNode() });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const registered = await instances();
    assert.equal(registered.length, 1);
    assert.deepEqual(registered[0]!.tags, { role: 'installed' });
    instanceId = registered[0]!.instanceId;
    assert.match(run.stdout, new RegExp(`registered this host as ${instanceId}`));
    assert.deepEqual(host.systemctlCalls(), ['daemon-reload', 'enable deckhand-agent', 'restart deckhand-agent']);
  });

  it('puts every file where the README says', function () {
    const current = host.path(`${LAYOUT.prefix}/current`);
    assert.ok(lstatSync(current).isSymbolicLink());
    assert.ok(existsSync(path.join(current, 'bin', 'deckhand-agent.js')));
    assert.ok(existsSync(host.path(`${LAYOUT.state}/agent.db`)));
    assert.ok(existsSync(host.path(`${LAYOUT.state}/identity/agent.key`)));
    assert.equal(readlinkSync(host.path(`${LAYOUT.state}/logs`)), host.path(LAYOUT.logs));
    assert.ok(existsSync(host.path(`${LAYOUT.config}/agent.env`)));
    assert.deepEqual(parseAgentConfig(readFileSync(host.path(`${LAYOUT.config}/agent.yml`), 'utf8'), 'agent.yml'), {
      rebootCommand: 'systemctl reboot',
      logLevel: 'debug',
    });
    assert.match(readFileSync(host.path(`${LAYOUT.config}/install.env`), 'utf8'), new RegExp(`DECKHAND_PREFIX='${host.path(LAYOUT.prefix)}'`));
  });

  it('writes a unit that runs the installed agent on the installed state, on the runtime its package carries', function () {
    assert.deepEqual(host.execStart(), [
      host.path(`${LAYOUT.prefix}/current/runtime/bin/node`),
      ...AGENT_NODE_FLAGS,
      host.path(`${LAYOUT.prefix}/current/bin/deckhand-agent.js`),
      'run',
      '--root',
      host.path(LAYOUT.state),
      '--config',
      host.path(`${LAYOUT.config}/agent.yml`),
    ]);
    const unit = readFileSync(host.path(LAYOUT.unit), 'utf8');
    assert.match(unit, /^KillMode=process$/m);
    assert.match(unit, new RegExp(`^EnvironmentFile=-${host.path(LAYOUT.config)}/agent.env$`, 'm'));
  });

  it('writes a unit that systemd-analyze verify accepts', function () {
    requireTool(this, 'systemd-analyze', 'systemd');
    const res = spawnSync('systemd-analyze', ['verify', host.path(LAYOUT.unit)], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(`${res.stdout}${res.stderr}`.trim(), '');
  });

  it('carries out a deployment with the installed agent, which reports its version', async function () {
    const dest = path.join(cluster.dir, 'dest');
    mkdirSync(dest);
    agent = host.startAgent(['--dest-root', dest], agentLog);
    await waitFor('the installed agent to connect', async () => ((await instances())[0]?.connected ? true : undefined)).catch((err: Error) => {
      throw new Error(`${err.message}: ${agentLog.join('')}`);
    });
    const version = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version;
    assert.equal((await instances())[0]!.agentVersion, version);
    // The process is the packaged runtime, not the Node.js running the tests.
    const exe = readlinkSync(`/proc/${agent.pid}/exe`);
    assert.equal(exe, readlinkSync(host.path(`${LAYOUT.prefix}/current`)) + '/runtime/bin/node');
    assert.equal(spawnSync(exe, ['--version'], { encoding: 'utf8' }).stdout.trim(), `v${NODE_RUNTIME_VERSION}`);
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    assert.equal((await cluster.api('POST', '/v1/applications/shop/deployment-groups', {
      name: 'installed', tagFilters: [{ key: 'role', value: 'installed', type: 'KEY_AND_VALUE' }],
    })).status, 201);
    const bundle = await makeTgz({ 'appspec.yml': appspec({ AfterInstall: 'scripts/record.sh' }), 'scripts/record.sh': RECORD_HOOK, 'site/index.html': 'hi\n' });
    const revision = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', bundle);
    const created = await cluster.api('POST', '/v1/deployments', {
      applicationName: 'shop', deploymentGroupName: 'installed', revisionId: revision.body.revisionId,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE',
    });
    const done = await cluster.waitForDeployment(created.body.deploymentId);
    assert.equal(done.status, 'Succeeded', JSON.stringify(done) + agentLog.join(''));
    assert.equal(readFileSync(path.join(dest, 'srv', 'app', 'index.html'), 'utf8'), 'hi\n');
  });

  it('runs a runas hook as its user in the installed layout, which keeps the identity and journal from it', async function () {
    requireRoot(this, 'the test creates a user for runas');
    requireTool(this, 'setpriv', 'util-linux');
    const user = 'dh-runas-e2e';
    spawnSync('userdel', ['--remove', user], { stdio: 'ignore' });
    assert.equal(spawnSync('useradd', ['--create-home', user]).status, 0);
    try {
      // The folders standing in for / and its parents are as open as a real /; the agent's are as installed.
      for (const dir of [cluster.dir, host.dir, host.root]) chmodSync(dir, 0o755);
      assert.equal((statSync(host.path(LAYOUT.state)).mode & 0o777).toString(8), '711');
      const hook = [
        '#!/bin/sh',
        `[ "$(id -un)" = ${user} ] || exit 3`,
        'if cat "$DECKHAND_ROOT/identity/agent.key" >/dev/null 2>&1; then exit 4; fi',
        'if cat "$DECKHAND_ROOT/agent.db" >/dev/null 2>&1; then exit 5; fi',
        'if ls "$DECKHAND_ROOT" >/dev/null 2>&1; then exit 6; fi',
        'cat scripts/whoami.sh >/dev/null || exit 7',
      ].join('\n');
      const appspecText = `version: 0.0\nos: linux\nfiles:\n  - source: site\n    destination: /srv/app\nhooks:\n  AfterInstall:\n    - location: scripts/whoami.sh\n      runas: ${user}\n`;
      const bundle = await makeTgz({ 'appspec.yml': appspecText, 'scripts/whoami.sh': `${hook}\n`, 'site/index.html': 'runas\n' });
      const revision = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', bundle);
      const created = await cluster.api('POST', '/v1/deployments', {
        applicationName: 'shop', deploymentGroupName: 'installed', revisionId: revision.body.revisionId,
        deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE',
      });
      const done = await cluster.waitForDeployment(created.body.deploymentId);
      assert.equal(done.status, 'Succeeded', JSON.stringify(done) + agentLog.join(''));
    } finally {
      spawnSync('userdel', ['--remove', user], { stdio: 'ignore' });
    }
  });

  it('upgrades in place on a second run, keeping the instance id, the journal and the agent settings', async function () {
    const run = await host.runInstaller(script, ['--download-stall-seconds', '20'], { PATH: host.pathWithoutNode() });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`upgrading ${instanceId} in place`));
    assert.deepEqual((await instances()).map((i) => i.instanceId), [instanceId]);
    assert.deepEqual(parseAgentConfig(readFileSync(host.path(`${LAYOUT.config}/agent.yml`), 'utf8'), 'agent.yml'), {
      rebootCommand: 'systemctl reboot',
      logLevel: 'debug',
      downloadStallSeconds: 20,
    });
    assert.deepEqual(host.systemctlCalls().slice(3), ['stop deckhand-agent', 'daemon-reload', 'enable deckhand-agent', 'restart deckhand-agent']);
  });

  it('uninstalls: deregisters the host and removes the unit and every file', async function () {
    if (agent) await stopProcess(agent);
    await waitFor('the agent to disconnect', async () => ((await instances())[0]?.connected ? undefined : true));
    const run = await host.runInstaller(script, ['--uninstall'], { PATH: host.pathWithoutNode() });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(await instances(), []);
    for (const rel of Object.values(LAYOUT)) assert.equal(existsSync(host.path(rel)), false, `${rel} is still there`);
    assert.deepEqual(host.systemctlCalls().slice(-3), ['stop deckhand-agent', 'disable deckhand-agent', 'daemon-reload']);
  });
});
