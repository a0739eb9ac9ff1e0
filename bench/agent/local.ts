/**
 * `deckhand-agent local`: the same no-op revision run on this host without a coordinator, timed
 * as a whole process (node and module loading included), against `deckhand-agent --help`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { figure, notMeasured, type Figures } from '../lib/figures.ts';
import { median } from '../lib/stats.ts';
import { packagedAgent } from '../lib/agent-entry.ts';

const execFileP = promisify(execFile);

async function timedRun(args: string[]): Promise<number> {
  const agent = await packagedAgent();
  const start = performance.now();
  await execFileP(agent.node, [agent.script, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return performance.now() - start;
}

/** True when this agent has the `local` command. */
async function hasLocal(): Promise<boolean> {
  const agent = await packagedAgent();
  const { stdout } = await execFileP(agent.node, [agent.script, '--help']).catch(() => ({ stdout: '' }));
  return /deckhand-agent local/.test(stdout);
}

/** Runs `local` `runs` times on `bundleFile` (a tgz) under `dir`; figures go into `out`. */
export async function measureLocal(bundleFile: string, dir: string, runs: number, out: Figures): Promise<void> {
  if (!(await hasLocal())) {
    out['agent_local_noop_ms'] = notMeasured('ms', '`deckhand-agent local` does not exist in this tree yet');
    return;
  }
  const times: number[] = [];
  const startup: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const root = mkdtempSync(path.join(dir, 'local-'));
    const args = ['local', '--bundle-location', bundleFile, '--type', 'tgz', '--deployment-group-name', 'bench', '--root', root];
    args.push('--dest-root', path.join(root, 'dest'), '--file-exists-behavior', 'OVERWRITE');
    try {
      const ms = await timedRun(args);
      // Start-up is only the note's comparison: three samples give its median.
      if (startup.length < 3) startup.push(await timedRun(['--help']));
      if (i > 0) times.push(ms); // the first run warms the page cache and is not counted
    } catch (err) {
      out['agent_local_noop_ms'] = notMeasured('ms', `deckhand-agent local failed: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
      return;
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const note = `whole process, median of ${times.length}; \`deckhand-agent --help\` alone takes ${median(startup).toFixed(0)} ms`;
  out['agent_local_noop_ms'] = figure(median(times), 'ms', note);
}
