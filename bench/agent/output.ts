/**
 * Hook output volume through the packaged agent: one deployment whose AfterInstall prints
 * `bytes` of 100-character lines (1 GiB in a full run), with the agent's resident memory
 * sampled every 5 ms. The output goes to scripts.log and, live, to the coordinator; the agent's
 * memory must not grow with it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RevisionView } from '../../protocol/src/index.ts';
import { figure, type Figures } from '../lib/figures.ts';
import { packRevision } from '../lib/revision.ts';
import { timedAgentDeployment } from './deploy.ts';
import type { AgentSetup } from './real-agent.ts';

/** Writes a revision whose AfterInstall prints `bytes` of output. */
function writePrintingRevision(dir: string, bytes: number): void {
  mkdirSync(path.join(dir, 'hooks'), { recursive: true });
  writeFileSync(path.join(dir, 'hooks', 'print.sh'), `#!/bin/sh\nhead -c ${bytes} /dev/zero | tr '\\0' 'a' | fold -w 100\n`, { mode: 0o755 });
  writeFileSync(path.join(dir, 'appspec.yml'), 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: hooks/print.sh\n      timeout: 1800\n');
}

/** Deploys the printing revision once; the peak goes into `out`. */
export async function measureOutputVolume(setup: AgentSetup, dir: string, bytes: number, out: Figures): Promise<number> {
  const revisionDir = path.join(dir, 'printing-revision');
  writePrintingRevision(revisionDir, bytes);
  const bundle = await packRevision(revisionDir);
  const { revisionId } = await setup.coordinator.call<RevisionView>('POST', `/v1/applications/${setup.target.application}/revisions?bundleType=tgz`, bundle);
  const run = await timedAgentDeployment(setup, revisionId);
  const mib = bytes / 1024 ** 2;
  out['agent_output_peak_rss_mb'] = figure(run.peakRssKb / 1024, 'MB', `highest VmRSS (every 5 ms) while one hook printed ${mib} MiB in 100-character lines, kept in scripts.log and streamed to the coordinator; ${(run.agentMs / 1000).toFixed(1)} s; goal ≤ 100 MB for 1 GiB (issue 12)`);
  return run.peakRssKb;
}
