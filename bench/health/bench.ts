/**
 * Health-gated rollouts at fleet scale (issue 20's "Done when"): N simulated agents and one real
 * coordinator; a canary batch of 10 % is deployed, then the service its http check probes turns
 * bad at a random moment of the interval. Measured from that moment, on the coordinator's own
 * records: when the deployment stopped (its completeTime), and when its automatic rollback was
 * created. Once with the check as a step's analysis (ANALYSIS_FAILED), once as a group alarm
 * (ALARM_ACTIVE). The goals: stopped within one analysis interval, rollback within 5 s of the stop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { DeploymentSummary, DeploymentView, RegistrationTokenView } from '../../protocol/src/index.ts';
import { startCoordinator, type Coordinator } from '../lib/coordinator.ts';
import { figure, type Figures } from '../lib/figures.ts';
import { packRevision, setUpDeploymentTarget, writeNoopRevision } from '../lib/revision.ts';
import { median, wallMs } from '../lib/stats.ts';
import { SimFleet } from '../fleet/fleet.ts';
import { ProbeServer } from './probe-server.ts';

/** Options of {@link runHealthBench}. */
export interface HealthBenchOptions {
  hosts: number;
  /** Stops measured per mode (the median is reported). */
  runs: number;
  /** The analysis' measurement interval, and the coordinator's alarm poll interval, in seconds. */
  intervalSeconds: number;
  log(line: string): void;
}

/** How the check gates the deployment. */
type Mode = 'analysis' | 'alarm';

/** One stop, in ms after the probe turned bad (stop, the first Failed result) and after the stop (rollback). */
interface Stop {
  stopMs: number;
  failedResultMs: number;
  rollbackMs: number;
}

const CHECK = 'bench-probe';
const TAGS = [{ type: 'KEY_AND_VALUE' as const, key: 'fleet', value: 'bench' }];

async function revision(files: number): Promise<Buffer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-rev-'));
  try {
    writeNoopRevision(dir, files);
    return await packRevision(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The check, a group and a canary configuration per mode, and each group at v1 (so a rollback has somewhere to go). */
async function setUp(c: Coordinator, probeUrl: string, opts: HealthBenchOptions): Promise<{ v2: string }> {
  const target = await setUpDeploymentTarget(c, await revision(3), TAGS);
  const v2 = (await c.call<{ revisionId: string }>('POST', `/v1/applications/${target.application}/revisions?bundleType=tgz`, await revision(4))).revisionId;
  await c.call('POST', '/v1/health-checks', { name: CHECK, type: 'http', url: probeUrl, condition: '$.status == "ok"', timeoutSeconds: 2 });
  const canary = { batches: ['10%', '100%'] };
  // Long enough that only the probe turning bad ends the step.
  await c.call('POST', '/v1/deployment-configs', { name: 'Bench.CanaryAnalysis', ...canary, analysis: { checks: [CHECK], intervalSeconds: opts.intervalSeconds, count: 100 } });
  await c.call('POST', '/v1/deployment-configs', { name: 'Bench.CanaryBake', ...canary, bakeSeconds: 3600 });
  const groups: Record<Mode, Record<string, unknown>> = {
    analysis: { autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } },
    alarm: { alarmConfiguration: { enabled: true, alarms: [{ name: CHECK }] }, autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] } },
  };
  for (const [mode, settings] of Object.entries(groups)) {
    await c.call('POST', `/v1/applications/${target.application}/deployment-groups`, { name: `bench-${mode}`, tagFilters: TAGS, ...settings });
    const first = await deploy(c, mode as Mode, target.revisionId, 'CodeDeployDefault.AllAtOnce');
    const done = await waitFor(c, first, (v) => v.status !== 'InProgress' && v.status !== 'Queued' && v.status !== 'Created', 120_000);
    if (done.status !== 'Succeeded') throw new Error(`the first deployment of bench-${mode} ended ${done.status}: ${JSON.stringify(done.errorInformation)}`);
  }
  return { v2 };
}

async function deploy(c: Coordinator, mode: Mode, revisionId: string, config: string): Promise<string> {
  const created = await c.call<DeploymentSummary>('POST', '/v1/deployments', {
    applicationName: 'bench-app',
    deploymentGroupName: `bench-${mode}`,
    revisionId,
    deploymentConfigName: config,
    fileExistsBehavior: 'OVERWRITE',
    confirmLargeBlastRadius: true,
    // The first deployment to the group brings it to v1: its alarm must not judge that one.
    ...(config === 'CodeDeployDefault.AllAtOnce' ? { overrideAlarmConfiguration: { enabled: false, alarms: [] } } : {}),
  });
  return created.deploymentId;
}

/** Polls the deployment's view until `done` holds; the times measured are the coordinator's, not the poll's. */
async function waitFor(c: Coordinator, id: string, done: (v: DeploymentView) => boolean, timeoutMs: number): Promise<DeploymentView> {
  const until = wallMs() + timeoutMs;
  for (;;) {
    const view = await c.call<DeploymentView>('GET', `/v1/deployments/${id}`);
    if (done(view)) return view;
    if (wallMs() > until) throw new Error(`deployment ${id} is still ${view.status} after ${timeoutMs / 1000} s: ${JSON.stringify({ rollout: view.rollout, overview: view.overview })}`);
    await delay(200);
  }
}

const ended = (v: DeploymentView): boolean => v.status === 'Succeeded' || v.status === 'Failed' || v.status === 'Stopped';

/** Deploys v2 with a canary, turns the probe bad once the canary is judged, and times the stop and the rollback. */
async function measureStop(c: Coordinator, probe: ProbeServer, mode: Mode, v2: string, opts: HealthBenchOptions): Promise<Stop> {
  const id = await deploy(c, mode, v2, mode === 'analysis' ? 'Bench.CanaryAnalysis' : 'Bench.CanaryBake');
  const waiting = mode === 'analysis' ? 'analysis' : 'bake';
  await waitFor(c, id, (v) => v.rollout?.waitingFor === waiting || ended(v), 120_000);
  // A random phase of the interval, so the figure covers where a measurement or poll falls.
  await delay(Math.random() * opts.intervalSeconds * 1000);
  const badAt = probe.fail();
  try {
    const stopped = await waitFor(c, id, ended, 60_000 + opts.intervalSeconds * 2000);
    const expected = mode === 'analysis' ? 'ANALYSIS_FAILED' : 'ALARM_ACTIVE';
    if (stopped.errorInformation?.code !== expected) throw new Error(`deployment ${id} ended ${stopped.status} ${JSON.stringify(stopped.errorInformation)}, not with ${expected}`);
    const rollbackId = stopped.rollbackInfo?.rollbackDeploymentId;
    if (stopped.completeTime === undefined || rollbackId === undefined) throw new Error(`deployment ${id} has no completeTime or no rollback: ${JSON.stringify(stopped.rollbackInfo)}`);
    const failed = stopped.health?.find((h) => h.verdict === 'Failed' && Date.parse(h.at) >= Math.floor(badAt));
    const rollback = await waitFor(c, rollbackId, ended, 120_000);
    const stopAt = Date.parse(stopped.completeTime);
    return { stopMs: stopAt - badAt, failedResultMs: failed ? Date.parse(failed.at) - badAt : Number.NaN, rollbackMs: Date.parse(rollback.createTime) - stopAt };
  } finally {
    probe.recover();
  }
}

function record(prefix: string, stops: readonly Stop[], interval: number, out: Figures): void {
  const of = (pick: (s: Stop) => number): number => median(stops.map(pick));
  const n = `median of ${stops.length}; the service turned bad at a random moment of the ${interval} s interval`;
  out[`${prefix}_stop_s`] = figure(of((s) => s.stopMs) / 1000, 's', `service bad → deployment stopped (its completeTime), ${n}`);
  out[`${prefix}_stop_max_s`] = figure(Math.max(...stops.map((s) => s.stopMs)) / 1000, 's', `the slowest of the ${stops.length} stops`);
  out[`${prefix}_decide_ms`] = figure(of((s) => s.stopMs - s.failedResultMs), 'ms', `the check's first Failed result → deployment stopped, ${n}`);
  out[`${prefix}_rollback_ms`] = figure(of((s) => s.rollbackMs), 'ms', `deployment stopped → automatic rollback created, ${n}`);
}

/** Registers and connects `hosts` simulated agents tagged fleet=bench. */
async function startFleet(c: Coordinator, hosts: number): Promise<SimFleet> {
  const token = await c.call<RegistrationTokenView>('POST', '/v1/registration-tokens', { ttlSeconds: 3600, maxUses: null, tags: { fleet: 'bench' } });
  const fleet = SimFleet.start(1);
  await fleet.register(c.url, token.token ?? '', hosts, 16);
  await fleet.connect(64);
  return fleet;
}

/** Runs the health benchmark; figures go into `out`. */
export async function runHealthBench(opts: HealthBenchOptions, out: Figures): Promise<void> {
  const probe = new ProbeServer();
  const probeUrl = await probe.start();
  const c = await startCoordinator({ args: ['--alarm-poll-seconds', String(opts.intervalSeconds)] });
  let fleet: SimFleet | undefined;
  try {
    fleet = await startFleet(c, opts.hosts);
    const { v2 } = await setUp(c, probeUrl, opts);
    for (const mode of ['analysis', 'alarm'] as const) {
      const stops: Stop[] = [];
      for (let i = 0; i < opts.runs; i++) {
        const s = await measureStop(c, probe, mode, v2, opts);
        opts.log(`  N=${opts.hosts} ${mode}: stopped ${(s.stopMs / 1000).toFixed(2)} s after the service turned bad (first Failed result at ${(s.failedResultMs / 1000).toFixed(2)} s), rollback created ${s.rollbackMs} ms after the stop`);
        stops.push(s);
      }
      record(`health_${opts.hosts}_${mode}`, stops, opts.intervalSeconds, out);
    }
  } catch (err) {
    opts.log(`health: the coordinator's last lines:\n${c.logTail(40)}`);
    throw err;
  } finally {
    await fleet?.stop();
    await c.stop();
    await probe.stop();
  }
}
