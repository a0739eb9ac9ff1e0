import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cluster, REPO_ROOT, stopProcess, waitFor, type AgentProcess } from './cluster.ts';
import { appspec, makeTgz } from './bundles.ts';

/** Prints `line 1..15` every 100 ms, waits for `half`, prints 16..30, then waits for `go`. */
const HALVES_HOOK = `#!/bin/sh
i=1; while [ $i -le 15 ]; do echo "line $i"; i=$((i+1)); sleep 0.1; done
while [ ! -f "$DECKHAND_ROOT/half" ]; do sleep 0.05; done
while [ $i -le 30 ]; do echo "line $i"; i=$((i+1)); sleep 0.1; done
while [ ! -f "$DECKHAND_ROOT/go" ]; do sleep 0.05; done
`;

/** Prints `line 1..40` every 100 ms, on stdout and (every fifth) stderr. */
const STEADY_HOOK = `#!/bin/sh
i=1; while [ $i -le 40 ]; do if [ $((i % 5)) -eq 0 ]; then echo "line $i" >&2; else echo "line $i"; fi; i=$((i+1)); sleep 0.1; done
`;

/** `deckhand logs ID --follow --json` as a child whose stdout lines the test reads as they come. */
function followCli(cluster: Cluster, id: string): { proc: ChildProcess; lines: Array<{ text: string; seq: number }>; exit: Promise<number> } {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'deckhand.js'), 'logs', id, '--follow', '--json'], {
    env: { ...process.env, DECKHAND_URL: cluster.url, DECKHAND_TOKEN: cluster.token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<{ text: string; seq: number }> = [];
  let buffer = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      lines.push(JSON.parse(buffer.slice(0, nl)) as { text: string; seq: number });
      buffer = buffer.slice(nl + 1);
    }
  });
  const exit = new Promise<number>((resolve) => proc.once('exit', (code) => resolve(code ?? 1)));
  return { proc, lines, exit };
}

describe('hook output, live and kept (real coordinator, agent and CLI processes)', function () {
  this.timeout(120_000);
  const cluster = new Cluster();
  let agent: AgentProcess;
  let follower: ChildProcess | undefined;

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

  async function storedLines(id: string): Promise<Array<{ seq: number; text: string; stream: string; lifecycleEvent: string }>> {
    const all = [];
    for (let after = 0; ;) {
      const { body } = await cluster.api('GET', `/v1/deployments/${id}/logs?after=${after}&limit=7`);
      all.push(...body.lines);
      after = body.nextAfter;
      if (!body.more) return all;
    }
  }

  before(async function () {
    await cluster.start();
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    await cluster.api('POST', '/v1/applications/shop/deployment-groups', { name: 'web', tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }] });
    agent = await cluster.addAgent({ role: 'web' });
  });

  afterEach(async function () {
    if (follower) await stopProcess(follower);
    follower = undefined;
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(cluster.logs().slice(-20_000));
    await cluster.stop();
  });

  it('shows a running hook\'s lines at deckhand logs --follow while the hook still runs', async function () {
    const id = await deploy({ 'appspec.yml': appspec({ AfterInstall: 'scripts/halves.sh' }), 'scripts/halves.sh': HALVES_HOOK, 'site/index.html': 'v1\n' });
    const cli = followCli(cluster, id);
    follower = cli.proc;
    // The hook waits for `half` after its 15th line: these lines can only have come while it ran.
    await waitFor('the first 15 lines at the CLI', () => (cli.lines.length >= 15 ? true : undefined));
    writeFileSync(path.join(agent.root, 'half'), '');
    await waitFor('all 30 lines at the CLI', () => (cli.lines.length >= 30 ? true : undefined));
    writeFileSync(path.join(agent.root, 'go'), '');
    assert.equal(await cli.exit, 0);
    assert.deepEqual(cli.lines.map((l) => l.text), Array.from({ length: 30 }, (_, i) => `line ${i + 1}`));
    assert.equal((await cluster.waitForDeployment(id)).status, 'Succeeded');
  });

  it('deploy --wait rides out a coordinator restart and prints the hook\'s output', async function () {
    const upload = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', await makeTgz({
      'appspec.yml': appspec({ ValidateService: 'scripts/wait.sh' }),
      'scripts/wait.sh': '#!/bin/sh\necho "before restart"\nwhile [ ! -f "$DECKHAND_ROOT/go3" ]; do sleep 0.05; done\necho "after restart"\n',
      'site/index.html': 'v3\n',
    }));
    const proc = spawn(process.execPath, [
      path.join(REPO_ROOT, 'bin', 'deckhand.js'), 'deploy', '--application', 'shop', '--group', 'web', '--revision', upload.body.revisionId,
      '--config', 'AllAtOnce', '--file-exists-behavior', 'OVERWRITE', '--wait',
    ], { env: { ...process.env, DECKHAND_URL: cluster.url, DECKHAND_TOKEN: cluster.token }, stdio: ['ignore', 'pipe', 'pipe'] });
    follower = proc;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number>((resolve) => proc.once('exit', (code) => resolve(code ?? 1)));
    await waitFor('the hook\'s first line at deploy --wait', () => (stderr.includes('before restart') ? true : undefined));
    await cluster.killCoordinator();
    await new Promise((r) => setTimeout(r, 1500));
    await cluster.restartCoordinator();
    writeFileSync(path.join(agent.root, 'go3'), '');
    assert.equal(await exit, 0, stderr);
    assert.match(stderr, /host-\d+ ValidateService \| after restart/);
    assert.match(stderr, /deployment d-\S+ Succeeded/);
  });

  it('keeps every line exactly once when the coordinator is killed and restarted mid-hook', async function () {
    const id = await deploy({ 'appspec.yml': appspec({ ApplicationStart: 'scripts/steady.sh' }), 'scripts/steady.sh': STEADY_HOOK, 'site/index.html': 'v2\n' });
    await waitFor('a few lines stored', async () => ((await storedLines(id)).length >= 5 ? true : undefined));
    await cluster.killCoordinator();
    await new Promise((r) => setTimeout(r, 1000));
    await cluster.restartCoordinator();
    const view = await cluster.waitForDeployment(id, 90_000);
    assert.equal(view.status, 'Succeeded', JSON.stringify(view));
    const lines = await waitFor('all 40 lines stored', async () => {
      const stored = (await storedLines(id)).filter((l) => l.lifecycleEvent === 'ApplicationStart');
      return stored.length >= 40 ? stored : undefined;
    });
    assert.deepEqual(lines.map((l) => l.seq), Array.from({ length: 40 }, (_, i) => i + 1));
    assert.deepEqual(lines.map((l) => l.text), Array.from({ length: 40 }, (_, i) => `line ${i + 1}`));
    assert.deepEqual(lines.filter((l) => l.stream === 'stderr').map((l) => l.text), ['line 5', 'line 10', 'line 15', 'line 20', 'line 25', 'line 30', 'line 35', 'line 40']);
  });
});
