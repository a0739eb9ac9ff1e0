/**
 * Hook spawn overhead, measured by bench/hook-overhead.ts (a no-op hook through the agent's hook
 * runner against a bare `bash -c true`, interleaved in one process). That script exports no
 * function, so it is run as a child and its JSON result is read back.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { figure, notMeasured, type Figures } from './lib/figures.ts';

const execFileP = promisify(execFile);
const SCRIPT = path.join(import.meta.dirname, 'hook-overhead.ts');
const RESULT = path.join(import.meta.dirname, 'results', 'hook-overhead.json');

interface HookOverheadResult {
  runs: number;
  bareSpawnMedianMs: number;
  wrapperMedianMs: number;
  hookRunnerMedianMs: number;
}

/** Runs the hook overhead measurement with `runs` interleaved pairs; figures go into `out`. */
export async function runHookBench(runs: number, out: Figures): Promise<void> {
  if (!existsSync(SCRIPT)) {
    out['hook_overhead_ratio'] = notMeasured('×', 'bench/hook-overhead.ts is missing');
    return;
  }
  await execFileP(process.execPath, ['--import', 'tsx', SCRIPT, String(runs)]);
  const result = JSON.parse(readFileSync(RESULT, 'utf8')) as HookOverheadResult;
  out['hook_noop_ms'] = figure(result.hookRunnerMedianMs, 'ms', `median of ${result.runs}, through createHookRunner().runEvent`);
  out['hook_bare_spawn_ms'] = figure(result.bareSpawnMedianMs, 'ms', 'bash -c true spawned from Node, same run');
  const wrapperNote = "the runner's /bin/sh status-file wrapper running the same script, spawned bare from Node, same run: the part of the hook that is processes, not the runner";
  out['hook_wrapper_bare_ms'] = figure(result.wrapperMedianMs, 'ms', wrapperNote);
  out['hook_overhead_ratio'] = figure(result.hookRunnerMedianMs / result.bareSpawnMedianMs, '×');
}
