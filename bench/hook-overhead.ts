/**
 * Hook overhead: the median wall time of a no-op hook run through the hook runner (wrapper, log,
 * status file, output capture) against a bare `bash -c true` spawn, in the same process and run;
 * and, to split the difference, the runner's wrapper shell running the same script, bare.
 * Prints a table and writes bench/results/hook-overhead.json.
 *
 *   node --import tsx bench/hook-overhead.ts [runs]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../common/src/clock.ts';
import { POSIX_WRAPPER, POSIX_WRAPPER_NAME } from '../agent/src/hooks/command-line.posix.ts';
import { createHookRunner } from '../agent/src/hooks/index.ts';

const RUNS = Number(process.argv[2] ?? 100);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** One `cmd args` with stdout/stderr piped, timed until the process has exited and its pipes closed. */
function bareSpawn(cmd = 'bash', args: readonly string[] = ['-c', 'true']): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', () => resolve(performance.now() - started));
  });
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'dh-bench-'));
  const archiveDir = path.join(root, 'deployment-archive');
  mkdirSync(archiveDir);
  writeFileSync(path.join(archiveDir, 'noop.sh'), '#!/bin/bash\ntrue\n', { mode: 0o755 });
  const runner = createHookRunner({ clock: systemClock });
  const request = {
    event: 'AfterInstall',
    archiveDir,
    scripts: [{ location: 'noop.sh', timeoutSeconds: 60 }],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    logFile: path.join(root, 'logs', 'scripts.log'),
    statusDir: path.join(root, 'status'),
  };
  const hook = async (): Promise<number> => {
    const started = performance.now();
    const result = await runner.runEvent(request);
    if (result.status !== 'Succeeded') throw new Error(result.message);
    return performance.now() - started;
  };
  // The runner's process chain alone: the status-file wrapper shell running the script.
  const wrapperStatus = path.join(root, 'wrapper.status');
  const wrapperArgs = ['-c', POSIX_WRAPPER, POSIX_WRAPPER_NAME, wrapperStatus, path.join(archiveDir, 'noop.sh')];
  const wrapper = (): Promise<number> => {
    // As the runner does: a fresh status file (ext4 flushes a truncated-and-rewritten file on close).
    rmSync(wrapperStatus, { force: true });
    return bareSpawn('/bin/sh', wrapperArgs);
  };
  try {
    // Warm-up: first spawns pay for page-cache and JIT.
    for (let i = 0; i < 5; i++) {
      await bareSpawn();
      await wrapper();
      await hook();
    }
    const bare: number[] = [];
    const wrapped: number[] = [];
    const runs: number[] = [];
    // Interleaved, so drift in machine load affects all sides alike.
    for (let i = 0; i < RUNS; i++) {
      bare.push(await bareSpawn());
      wrapped.push(await wrapper());
      runs.push(await hook());
    }
    const results = {
      runs: RUNS,
      node: process.version,
      bareSpawnMedianMs: median(bare),
      wrapperMedianMs: median(wrapped),
      hookRunnerMedianMs: median(runs),
      overheadMedianMs: median(runs) - median(bare),
    };
    console.log('| measure | median ms |\n|---|---|');
    console.log(`| bare spawn of bash -c true | ${results.bareSpawnMedianMs.toFixed(2)} |`);
    console.log(`| the hook's wrapper shell running the script, bare | ${results.wrapperMedianMs.toFixed(2)} |`);
    console.log(`| no-op hook via the runner | ${results.hookRunnerMedianMs.toFixed(2)} |`);
    console.log(`| overhead | ${results.overheadMedianMs.toFixed(2)} |`);
    const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'hook-overhead.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
