/**
 * Fleet scale: N simulated agents against one real coordinator process, for each N a fresh
 * coordinator; AllAtOnce and 10%-at-a-time deployment times, coordinator memory and CPU, event
 * throughput, and (N = 100) OneAtATime's per-batch overhead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { RegistrationTokenView } from '../../protocol/src/index.ts';
import { startCoordinator, type Coordinator } from '../lib/coordinator.ts';
import { figure, notMeasured, type Figures } from '../lib/figures.ts';
import { childOpenFileLimit, cpuSeconds, memoryKb } from '../lib/proc.ts';
import { packRevision, setUpDeploymentTarget, writeNoopRevision, type DeploymentTarget } from '../lib/revision.ts';
import { median } from '../lib/stats.ts';
import { createTenPercentConfig } from './configs.ts';
import { batchGaps, DeploymentCapped, timedDeployment, type FleetDeployment } from './deploy.ts';
import { measureCluster } from './cluster.ts';
import { SimFleet } from './fleet.ts';
import { postgresMissing } from '../../test/support/postgres.ts';

/** Options of {@link runFleetBench}. */
export interface FleetBenchOptions {
  sizes: readonly number[];
  /** Deployments per configuration and size (the median is reported). */
  runs: number;
  /** OneAtATime deployments at N = 100. */
  oneAtATimeRuns: number;
  /** A deployment still running after this long is stopped and reported as a lower bound. */
  capSeconds: number;
  /** Write a coordinator CPU profile per size into this directory. */
  cpuProfDir?: string;
  /** Sizes also measured over TLS (--tls auto, WSS), AllAtOnce only, beside the plain runs. */
  tlsSizes?: readonly number[];
  /** Sizes also measured with 3 coordinators on one PostgreSQL (cluster.ts), beside the SQLite runs. */
  clusterSizes?: readonly number[];
  log(line: string): void;
}

interface Session {
  coordinator: Coordinator;
  fleet: SimFleet;
  target: DeploymentTarget;
  hosts: number;
  /** Figure names start with it: `fleet` (plain WebSockets) or `fleet_tls`. */
  prefix: string;
}

/** A small no-op revision (three files, no hooks). */
export async function bundle(): Promise<Buffer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-rev-'));
  try {
    writeNoopRevision(dir, 3);
    return await packRevision(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Descriptors the coordinator holds besides one socket per agent: its store, logs, the API, the event loop. */
const COORDINATOR_FD_MARGIN = 512;

/**
 * Why `hosts` agents cannot be measured on this machine, or undefined when they can: the
 * coordinator holds one socket per agent, and past its open-file limit it drops connections
 * (issue 14: the 25,000-agent run crashed and left processes behind). Checked before anything starts.
 */
export function cannotHold(hosts: number, limit = childOpenFileLimit()): string | undefined {
  const needed = hosts + COORDINATOR_FD_MARGIN;
  if (needed <= limit) return undefined;
  return `${hosts} agents need about ${needed} open files in the coordinator, and this machine allows ${limit} (ulimit -Hn); raise the hard limit (e.g. LimitNOFILE, /etc/security/limits.conf) to measure this size`;
}

/** Starts a coordinator and `hosts` simulated agents; records registration, connection and memory figures. */
async function openSession(hosts: number, opts: FleetBenchOptions, out: Figures, tls = false): Promise<Session> {
  const coordinator = await startCoordinator({ ...(opts.cpuProfDir ? { cpuProfDir: path.join(opts.cpuProfDir, `n${hosts}`) } : {}), tls });
  let fleet: SimFleet | undefined;
  try {
    fleet = SimFleet.start(hosts >= 5000 ? 2 : 1, 0, coordinator.caFile);
    return await fillSession(coordinator, fleet, hosts, opts, out, tls);
  } catch (err) {
    // Nothing is left running when a size fails half-way (registration, connection).
    await fleet?.stop();
    const tail = coordinator.logTail(5);
    await coordinator.stop();
    throw new Error(`fleet N=${hosts}: ${(err as Error).message}\ncoordinator log ends with:\n${tail}`, { cause: err });
  }
}

async function fillSession(coordinator: Coordinator, fleet: SimFleet, hosts: number, opts: FleetBenchOptions, out: Figures, tls: boolean): Promise<Session> {
  const prefix = tls ? 'fleet_tls' : 'fleet';
  const target = await setUpDeploymentTarget(coordinator, await bundle(), [{ type: 'KEY_AND_VALUE', key: 'fleet', value: 'bench' }]);
  const token = await coordinator.call<RegistrationTokenView>('POST', '/v1/registration-tokens', {
    ttlSeconds: 3600,
    maxUses: null,
    tags: { fleet: 'bench' },
  });
  const registerMs = await fleet.register(coordinator.url, token.token ?? '', hosts, 16);
  opts.log(`  N=${hosts}: registered in ${(registerMs / 1000).toFixed(1)} s`);
  await delay(500);
  const rssBefore = memoryKb(coordinator.pid).rss;
  const connectMs = await fleet.connect(64);
  await delay(1000);
  const rssAfter = memoryKb(coordinator.pid).rss;
  opts.log(`  N=${hosts}: connected in ${(connectMs / 1000).toFixed(1)} s; RSS ${rssBefore} → ${rssAfter} kB`);
  if (out[`${prefix}_${hosts}_register_s`] !== undefined) return { coordinator, fleet, target, hosts, prefix };
  const over = tls ? ' over TLS (automatic CA)' : '';
  out[`${prefix}_${hosts}_register_s`] = figure(registerMs / 1000, 's', `POST /v1/register, 16 in flight per simulator process${over}`);
  out[`${prefix}_${hosts}_connect_s`] = figure(connectMs / 1000, 's', `signed WebSocket upgrade + hello until welcome, 64 in flight per simulator${over}`);
  out[`${prefix}_${hosts}_coordinator_kb_per_agent`] = figure((rssAfter - rssBefore) / hosts, 'KB');
  return { coordinator, fleet, target, hosts, prefix };
}

/** A configuration stops repeating once its runs took this long; one 10,000-host run takes minutes. */
const REPEAT_BUDGET_MS = 45_000;

/**
 * From this size on each configuration gets a fresh coordinator and fleet, so that a deployment
 * stopped at the time cap (the coordinator keeps working on it) cannot slow down the next one.
 */
const SESSION_PER_CONFIG_FROM = 5000;

async function deployments(s: Session, config: string, runs: number, opts: FleetBenchOptions): Promise<FleetDeployment[]> {
  const results: FleetDeployment[] = [];
  const started = performance.now();
  for (let i = 0; i < runs && performance.now() - started < REPEAT_BUDGET_MS; i++) {
    const d = await timedDeployment(s.coordinator, s.fleet, s.target, config, s.hosts, opts.capSeconds * 1000);
    const view = d.viewMs === undefined ? '' : `, GET view ${(d.viewMs / 1000).toFixed(2)} s`;
    opts.log(`  N=${s.hosts} ${config}: ${(d.durationMs / 1000).toFixed(2)} s in ${d.batches} dispatch round(s), ${Math.round(d.eventsPerSecond)} events/s, coordinator CPU ${d.coordinatorCpuS.toFixed(1)} s, simulators CPU ${d.simulatorCpuS.toFixed(1)} s, POST answered after ${(d.postMs / 1000).toFixed(2)} s${view}`);
    results.push(d);
  }
  return results;
}

function recordAllAtOnce(prefix: string, hosts: number, runs: FleetDeployment[], out: Figures): void {
  out[`${prefix}_${hosts}_allatonce_s`] = figure(median(runs.map((d) => d.durationMs)) / 1000, 's', `median of ${runs.length} run(s)`);
  out[`${prefix}_${hosts}_events_per_s`] = figure(median(runs.map((d) => d.eventsPerSecond)), 'events/s', 'AllAtOnce, 15 events per host');
  out[`${prefix}_${hosts}_allatonce_coordinator_cpu_s`] = figure(median(runs.map((d) => d.coordinatorCpuS)), 's');
  out[`${prefix}_${hosts}_allatonce_simulator_cpu_s`] = figure(median(runs.map((d) => d.simulatorCpuS)), 's');
  out[`${prefix}_${hosts}_post_deployment_ms`] = figure(median(runs.map((d) => d.postMs)), 'ms', 'POST /v1/deployments answer time (inside the deployment time; it answers without the targets)');
  const views = runs.flatMap((d) => (d.viewMs === undefined ? [] : [d.viewMs]));
  if (views.length > 0) out[`${prefix}_${hosts}_deployment_view_ms`] = figure(median(views), 'ms', 'GET /v1/deployments/:id of the finished deployment');
}

/** One measurement on an open session; records its figures. */
type Step = (s: Session, opts: FleetBenchOptions, out: Figures) => Promise<void>;

const allAtOnce: Step = async (s, opts, out) => {
  recordAllAtOnce(s.prefix, s.hosts, await deployments(s, 'CodeDeployDefault.AllAtOnce', opts.runs, opts), out);
};

const tenPercent: Step = async (s, opts, out) => {
  const config = await createTenPercentConfig(s.coordinator);
  if (!config.ok) {
    out[`fleet_${s.hosts}_tenpercent_s`] = notMeasured('s', config.reason);
    // The nearest batched rollout that exists: two batches of 50%.
    const runs = await deployments(s, 'CodeDeployDefault.HalfAtATime', opts.runs, opts);
    out[`fleet_${s.hosts}_halfatatime_s`] = figure(median(runs.map((d) => d.durationMs)) / 1000, 's', 'stand-in while custom configs are missing');
    return;
  }
  const runs = await deployments(s, config.name, opts.runs, opts);
  const note = `custom config, minimum healthy 90%: at most 10% of hosts in flight, a new host started as each finishes (${runs[0]?.batches ?? 0} dispatch rounds); median of ${runs.length} run(s)`;
  out[`fleet_${s.hosts}_tenpercent_s`] = figure(median(runs.map((d) => d.durationMs)) / 1000, 's', note);
};

/** Hook output lines each scripted hook prints in the log-intake run. */
const LOG_LINES_PER_HOOK = 1000;
/** Scripted hooks per simulated host (ApplicationStop, BeforeInstall, AfterInstall, ApplicationStart, ValidateService). */
const SCRIPTED_HOOKS = 5;

/**
 * The cost of hook output: the same AllAtOnce deployment with every scripted hook printing 1,000
 * lines (agent.log frames with seq, each acknowledged once stored), side by side with the silent
 * run above; the coordinator's CPU is counted until every line is acknowledged.
 */
const withLogs: Step = async (s, opts, out) => {
  await s.fleet.setLogLines(LOG_LINES_PER_HOOK);
  try {
    const before = await s.fleet.report('none');
    const cpuBefore = cpuSeconds(s.coordinator.pid);
    const started = performance.now();
    const d = await timedDeployment(s.coordinator, s.fleet, s.target, 'CodeDeployDefault.AllAtOnce', s.hosts, opts.capSeconds * 1000);
    const expected = s.hosts * SCRIPTED_HOOKS * LOG_LINES_PER_HOOK;
    for (;;) {
      const r = await s.fleet.report('none');
      if (r.logLinesStored - before.logLinesStored >= expected) break;
      if (performance.now() - started > opts.capSeconds * 1000) throw new Error(`only ${r.logLinesStored - before.logLinesStored} of ${expected} hook output lines stored within the cap`);
      await delay(200);
    }
    const allMs = performance.now() - started;
    const cpu = cpuSeconds(s.coordinator.pid) - cpuBefore;
    const after = await s.fleet.report('none');
    const n = s.hosts;
    opts.log(`  N=${n} AllAtOnce with ${LOG_LINES_PER_HOOK} lines per hook: ${(d.durationMs / 1000).toFixed(2)} s, ${Math.round(d.eventsPerSecond)} events/s, all ${expected} lines stored after ${(allMs / 1000).toFixed(1)} s, coordinator CPU ${cpu.toFixed(1)} s, ${after.logBusy - before.logBusy} frames answered busy`);
    out[`fleet_${n}_logs_allatonce_s`] = figure(d.durationMs / 1000, 's', `AllAtOnce with every scripted hook printing ${LOG_LINES_PER_HOOK} lines (${SCRIPTED_HOOKS} hooks per host); compare fleet_${n}_allatonce_s (silent hooks)`);
    out[`fleet_${n}_logs_events_per_s`] = figure(d.eventsPerSecond, 'events/s', `agent.event intake while ${expected} lines arrive; compare fleet_${n}_events_per_s`);
    out[`fleet_${n}_logs_coordinator_cpu_s`] = figure(cpu, 's', `until every line was acknowledged; compare fleet_${n}_allatonce_coordinator_cpu_s`);
    out[`fleet_${n}_logs_lines_per_s`] = figure(expected / (allMs / 1000), 'lines/s', 'hook output lines stored per second, deployment start to last line acknowledged');
    out[`fleet_${n}_logs_busy_frames`] = figure(after.logBusy - before.logBusy, 'frames', 'agent.log frames answered busy (intake full) and sent again');
  } finally {
    await s.fleet.setLogLines(0);
  }
};

const oneAtATime: Step = async (s, opts, out) => {
  const runs = await deployments(s, 'CodeDeployDefault.OneAtATime', opts.oneAtATimeRuns, opts);
  const gaps = runs.map((d) => batchGaps(d.records));
  out['onebyone_100_s'] = figure(median(runs.map((d) => d.durationMs)) / 1000, 's');
  out['onebyone_batch_overhead_ms'] = figure(
    median(gaps.map((g) => g.meanMs)),
    'ms',
    `mean over hosts of (next host's command received − previous host's final event sent); ${median(gaps.map((g) => g.meanUntilAckMs)).toFixed(2)} ms of it until that event's ack`,
  );
};

/** Runs `step`; a deployment stopped at the time cap becomes a not-measured figure named `capName`. */
async function capped(step: Step, capName: string, unit: string, s: Session, opts: FleetBenchOptions, out: Figures): Promise<boolean> {
  try {
    await step(s, opts, out);
    return true;
  } catch (err) {
    if (!(err instanceof DeploymentCapped)) throw err;
    opts.log(`  N=${s.hosts}: ${capName} ${err.message}`);
    out[capName] = notMeasured(unit, `deployment took > ${err.capMs / 1000} s: stopped at the benchmark's time cap with ${err.finished} of ${err.hosts} hosts done (--cap-seconds raises it)`);
    return false;
  }
}

async function closeSession(s: Session, totals: { hwmKb: number; cpuS: number }): Promise<void> {
  totals.hwmKb = Math.max(totals.hwmKb, memoryKb(s.coordinator.pid).hwm);
  totals.cpuS += cpuSeconds(s.coordinator.pid);
  await s.fleet.stop();
  await s.coordinator.stop();
}

async function measureSize(hosts: number, opts: FleetBenchOptions, out: Figures): Promise<void> {
  const steps: [Step, string, string][] = [
    [allAtOnce, `fleet_${hosts}_allatonce_s`, 's'],
    [tenPercent, `fleet_${hosts}_tenpercent_s`, 's'],
  ];
  if (hosts === 100) steps.push([oneAtATime, 'onebyone_batch_overhead_ms', 'ms']);
  // Hook output at 1,000 agents (issue 17): the silent AllAtOnce above is the other side.
  if (hosts === 1000) steps.splice(1, 0, [withLogs, `fleet_${hosts}_logs_allatonce_s`, 's']);
  const totals = { hwmKb: 0, cpuS: 0 };
  const separate = hosts >= SESSION_PER_CONFIG_FROM;
  let s: Session | undefined;
  try {
    for (const [step, name, unit] of steps) {
      s ??= await openSession(hosts, opts, out);
      const finished = await capped(step, name, unit, s, opts, out);
      if (separate || !finished) {
        await closeSession(s, totals);
        s = undefined;
      }
    }
  } finally {
    if (s) await closeSession(s, totals);
  }
  const sessions = separate ? `${steps.length} coordinators, one per configuration` : 'one coordinator';
  out[`fleet_${hosts}_coordinator_peak_rss_mb`] = figure(totals.hwmKb / 1024, 'MB', `VmHWM, highest of ${sessions}`);
  out[`fleet_${hosts}_coordinator_cpu_s`] = figure(totals.cpuS, 's', `utime+stime over the whole run (${sessions}, registration included)`);
}

/** AllAtOnce over TLS at `hosts`; the cost against plain WebSockets of the same run goes into `out`. */
async function measureTls(hosts: number, opts: FleetBenchOptions, out: Figures): Promise<void> {
  const totals = { hwmKb: 0, cpuS: 0 };
  const s = await openSession(hosts, opts, out, true);
  try {
    await capped(allAtOnce, `fleet_tls_${hosts}_allatonce_s`, 's', s, opts, out);
  } finally {
    await closeSession(s, totals);
  }
  for (const what of ['connect_s', 'allatonce_s', 'events_per_s']) {
    const plain = out[`fleet_${hosts}_${what}`]?.value;
    const tls = out[`fleet_tls_${hosts}_${what}`]?.value;
    if (typeof plain === 'number' && typeof tls === 'number' && plain > 0) {
      out[`fleet_tls_${hosts}_${what.replace(/_s$/, '')}_vs_plain_ratio`] = figure(tls / plain, '×', 'TLS figure / plain WebSocket figure, same run');
    }
  }
}

/** Runs the fleet benchmark for every size; figures go into `out`. */
export async function runFleetBench(opts: FleetBenchOptions, out: Figures): Promise<void> {
  for (const hosts of opts.sizes) {
    const reason = cannotHold(hosts);
    if (reason !== undefined) {
      opts.log(`fleet: N = ${hosts} not measured: ${reason}`);
      out[`fleet_${hosts}_allatonce_s`] = notMeasured('s', reason);
      continue;
    }
    opts.log(`fleet: N = ${hosts}`);
    await measureSize(hosts, opts, out);
    if (opts.tlsSizes?.includes(hosts)) {
      opts.log(`fleet: N = ${hosts} over TLS`);
      await measureTls(hosts, opts, out);
    }
    if (opts.clusterSizes?.includes(hosts)) {
      const missing = postgresMissing();
      if (missing) {
        out[`fleet_pg3_${hosts}_allatonce_s`] = notMeasured('s', `${missing} is missing`);
        continue;
      }
      opts.log(`fleet: N = ${hosts} on ${3} coordinators sharing PostgreSQL`);
      await measureCluster(hosts, opts, out);
    }
  }
  const largest = opts.sizes[opts.sizes.length - 1];
  const perAgent = largest === undefined ? undefined : out[`fleet_${largest}_coordinator_kb_per_agent`];
  if (perAgent) out['coordinator_kb_per_agent'] = { ...perAgent, note: `RSS after connecting ${largest} agents minus before, / N` };
}
