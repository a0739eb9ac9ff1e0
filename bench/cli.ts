/**
 * The CLI's start-up: `deckhand --help` and `deckhand status ID` (against a real coordinator on
 * loopback) timed as whole processes, side by side with a bare `node -e 0`, alternating so that
 * a noisy machine slows all three alike. The goal is at most 2.5× bare Node.js.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DeploymentSummary } from '../protocol/src/index.ts';
import { binPath, startCoordinator, type Coordinator } from './lib/coordinator.ts';
import { figure, type Figures } from './lib/figures.ts';
import { packRevision } from './lib/revision.ts';
import { median } from './lib/stats.ts';

const execFileP = promisify(execFile);

async function wallMs(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  await execFileP(process.execPath, args, { env });
  return performance.now() - start;
}

/** A deployment to show: one with no hosts is enough for `status`, which prints it whole. */
async function someDeployment(coordinator: Coordinator): Promise<string> {
  await coordinator.call('POST', '/v1/applications', { name: 'cli-bench' });
  await coordinator.call('POST', '/v1/applications/cli-bench/deployment-groups', {
    name: 'nobody',
    tagFilters: [{ type: 'KEY_AND_VALUE', key: 'no', value: 'host' }],
  });
  const { revisionId } = await coordinator.call<{ revisionId: string }>('POST', '/v1/applications/cli-bench/revisions?bundleType=tgz', await emptyRevision());
  const created = await coordinator.call<DeploymentSummary>('POST', '/v1/deployments', {
    applicationName: 'cli-bench',
    deploymentGroupName: 'nobody',
    revisionId,
  });
  return created.deploymentId;
}

async function emptyRevision(): Promise<Buffer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-cli-bench-'));
  try {
    writeFileSync(path.join(dir, 'appspec.yml'), 'version: 0.0\nos: linux\n');
    return await packRevision(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the CLI section: `runs` rounds of node, --help and status, in turn. */
export async function runCliBench(runs: number, out: Figures): Promise<void> {
  const coordinator = await startCoordinator();
  try {
    const deploymentId = await someDeployment(coordinator);
    const env = { ...process.env, DECKHAND_URL: coordinator.url, DECKHAND_TOKEN: coordinator.token };
    const cli = binPath('deckhand');
    const node: number[] = [];
    const help: number[] = [];
    const status: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const n = await wallMs(['-e', '0'], env);
      const h = await wallMs([cli, '--help'], env);
      const s = await wallMs([cli, 'status', deploymentId], env);
      // The first round warms the page cache: not counted.
      if (i === 0) continue;
      node.push(n);
      help.push(h);
      status.push(s);
    }
    const base = median(node);
    out['cli_node_ms'] = figure(base, 'ms', `node -e 0, median of ${runs}, alternating with the two below`);
    out['cli_help_ms'] = figure(median(help), 'ms', 'deckhand --help, whole process');
    out['cli_status_ms'] = figure(median(status), 'ms', 'deckhand status ID against a coordinator on loopback, whole process');
    out['cli_help_vs_node_ratio'] = figure(median(help) / base, '×');
    out['cli_status_vs_node_ratio'] = figure(median(status) / base, '×');
  } finally {
    await coordinator.stop();
  }
}
