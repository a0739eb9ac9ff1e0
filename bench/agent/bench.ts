/**
 * Agent overhead: one real agent and a real coordinator on loopback. Started first so that its
 * idle period overlaps the other benchmarks (an idle agent uses no CPU to speak of); finished
 * later with the idle RSS, timed deployments with the RSS peak, and `deckhand-agent local`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { figure, type Figures } from '../lib/figures.ts';
import { memoryKb, stopProcess } from '../lib/proc.ts';
import { median } from '../lib/stats.ts';
import { timedAgentDeployment, type AgentDeployment } from './deploy.ts';
import { measureLocal } from './local.ts';
import { measureOutputVolume } from './output.ts';
import { startAgentSetup, type AgentSetup } from './real-agent.ts';

/** Options of {@link startAgentBench}. */
export interface AgentBenchOptions {
  /** Seconds the agent idles before its RSS is read. */
  idleSeconds: number;
  /** Timed deployments (after one warm-up). */
  runs: number;
  /** Hook output of the output-volume deployment, bytes. */
  outputBytes: number;
  log(line: string): void;
}

/** A started agent benchmark; {@link finish} completes it. */
export interface AgentBench {
  finish(out: Figures): Promise<void>;
}

async function measureDeployments(setup: AgentSetup, opts: AgentBenchOptions, out: Figures): Promise<void> {
  // The first deployment has no ApplicationStop to run and warms caches: not counted.
  await timedAgentDeployment(setup);
  const runs: AgentDeployment[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const d = await timedAgentDeployment(setup);
    opts.log(`  agent deployment: ${d.agentMs} ms in the agent, ${d.endToEndMs.toFixed(0)} ms end to end, peak RSS ${(d.peakRssKb / 1024).toFixed(1)} MB`);
    runs.push(d);
  }
  const hooks = 'bundle of 50 files, 5 hook scripts running `true` (+ DownloadBundle, Install)';
  out['agent_noop_deploy_ms'] = figure(median(runs.map((d) => d.agentMs)), 'ms', `command journaled → final Succeeded event; ${hooks}; median of ${runs.length}`);
  out['agent_noop_end_to_end_ms'] = figure(median(runs.map((d) => d.endToEndMs)), 'ms', 'POST /v1/deployments → Succeeded seen by a 10 ms poll');
  const names = Object.keys(runs[0]?.events ?? {});
  const breakdown = names.map((n) => `${n} ${median(runs.map((d) => d.events[n] ?? 0))}`).join(', ');
  out['agent_noop_breakdown_ms'] = figure(median(runs.map((d) => Object.values(d.events).reduce((a, b) => a + b, 0))), 'ms', `medians per event (agent timestamps, ms): ${breakdown}`);
  out['agent_peak_rss_mb'] = figure(Math.max(...runs.map((d) => d.peakRssKb)) / 1024, 'MB', 'highest VmRSS sampled every 5 ms during the deployments');
}

/** Starts the coordinator and the agent; the idle clock starts now. */
export async function startAgentBench(opts: AgentBenchOptions): Promise<AgentBench> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-agent-'));
  const setup = await startAgentSetup(dir);
  opts.log(`agent: started (pid ${setup.agentPid}); idle RSS is read after ${opts.idleSeconds} s`);
  return {
    async finish(out) {
      try {
        const idleLeft = opts.idleSeconds * 1000 - (performance.now() - setup.startedAt);
        if (idleLeft > 0) await delay(idleLeft);
        const idle = memoryKb(setup.agentPid);
        out['agent_idle_rss_mb'] = figure(idle.rss / 1024, 'MB', `VmRSS ${opts.idleSeconds} s after start, connected, before any deployment (VmHWM then ${(idle.hwm / 1024).toFixed(1)} MB); goal ≤ 60 MB (issue 12)`);
        await measureDeployments(setup, opts, out);
        const peak = await measureOutputVolume(setup, dir, opts.outputBytes, out);
        opts.log(`  agent with ${opts.outputBytes / 1024 ** 2} MiB of hook output: peak RSS ${(peak / 1024).toFixed(1)} MB`);
        await measureLocal(setup.bundleFile, dir, opts.runs, out);
      } finally {
        await stopProcess(setup.agent);
        await setup.coordinator.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
