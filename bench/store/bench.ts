/**
 * The coordinator store's durability setting and what its integrity costs: the same deployments
 * against two real coordinators that differ only in --store-sync (normal: WAL synced at
 * checkpoints; full: WAL synced at every commit), runs alternated between them so that the load
 * of a shared machine falls on both; then, on the store those runs filled, the start-up check
 * (quick_check + foreign_key_check) and an online backup, and both again on that store grown
 * to a long-lived coordinator's size.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { RegistrationTokenView } from '../../protocol/src/index.ts';
import { backupStore } from '../../coordinator/src/store/sqlite/backup.ts';
import { inspectStoreFile } from '../../coordinator/src/store/sqlite/integrity.ts';
import { startCoordinator, type Coordinator } from '../lib/coordinator.ts';
import { figure, type Figures } from '../lib/figures.ts';
import { packRevision, setUpDeploymentTarget, writeNoopRevision, type DeploymentTarget } from '../lib/revision.ts';
import { median } from '../lib/stats.ts';
import { batchGaps, timedDeployment, type FleetDeployment } from '../fleet/deploy.ts';
import { SimFleet } from '../fleet/fleet.ts';
import { growStore } from './grown-store.ts';

/** Options of {@link runStoreBench}. */
export interface StoreBenchOptions {
  /**
   * Simulated hosts: AllAtOnce sends their events in bursts (many per commit), OneAtATime has
   * one host in flight (about one commit per event).
   */
  hosts: number;
  /** Deployments per setting and configuration; the median is reported. */
  runs: number;
  /** How many times the filled store's deployments are copied for the large-store figures. */
  growCopies: number;
  log(line: string): void;
}

type Sync = 'normal' | 'full';

interface Session {
  sync: Sync;
  coordinator: Coordinator;
  fleet: SimFleet;
  target: DeploymentTarget;
}

async function bundle(): Promise<Buffer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-rev-'));
  try {
    writeNoopRevision(dir, 3);
    return await packRevision(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function openSession(sync: Sync, hosts: number): Promise<Session> {
  const coordinator = await startCoordinator({ args: ['--store-sync', sync] });
  const target = await setUpDeploymentTarget(coordinator, await bundle(), [{ type: 'KEY_AND_VALUE', key: 'fleet', value: 'bench' }]);
  const token = await coordinator.call<RegistrationTokenView>('POST', '/v1/registration-tokens', { ttlSeconds: 3600, maxUses: null, tags: { fleet: 'bench' } });
  const fleet = SimFleet.start(1, 0);
  await fleet.register(coordinator.url, token.token ?? '', hosts, 16);
  await fleet.connect(64);
  await delay(500);
  return { sync, coordinator, fleet, target };
}

async function closeSession(s: Session): Promise<void> {
  await s.fleet.stop();
  await s.coordinator.stop();
}

/** Runs `runs` deployments on each session in turn (normal, full, normal, ...). */
async function alternate(sessions: readonly Session[], config: string, hosts: number, runs: number, log: (line: string) => void): Promise<Map<Sync, FleetDeployment[]>> {
  const results = new Map<Sync, FleetDeployment[]>(sessions.map((s) => [s.sync, []]));
  for (let i = 0; i < runs; i++) {
    for (const s of sessions) {
      const d = await timedDeployment(s.coordinator, s.fleet, s.target, config, hosts, 120_000);
      log(`  ${config} N=${hosts} --store-sync ${s.sync}: ${(d.durationMs / 1000).toFixed(2)} s, ${Math.round(d.eventsPerSecond)} events/s`);
      results.get(s.sync)?.push(d);
    }
  }
  return results;
}

function sideBySide(out: Figures, name: string, unit: string, note: string, values: Map<Sync, number>): void {
  const normal = values.get('normal') ?? Number.NaN;
  const full = values.get('full') ?? Number.NaN;
  out[`store_${name}_normal`] = figure(normal, unit, note);
  out[`store_${name}_full`] = figure(full, unit, note);
  out[`store_${name}_full_vs_normal_ratio`] = figure(full / normal, '×', 'full / normal, runs alternated');
}

/** Start-up check and online backup of `file` (`what` says which store it is); figures named `<prefix>_...`. */
async function checkAndBackup(file: string, what: string, prefix: string, out: Figures): Promise<void> {
  const mb = (statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0)) / 1024 ** 2;
  const checks: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const found = inspectStoreFile(file);
    checks.push(performance.now() - started);
    if (found.problems.length > 0) throw new Error(`the benchmark's store is damaged: ${found.problems.join('; ')}`);
  }
  out[`${prefix}_start_check_ms`] = figure(median(checks), 'ms', `quick_check + foreign_key_check of ${what}, ${mb.toFixed(1)} MB, median of 3`);
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-backup-'));
  try {
    const started = performance.now();
    const copy = await backupStore(file, path.join(dir, 'backup.db'));
    out[`${prefix}_backup_ms`] = figure(performance.now() - started, 'ms', `backup of the same store: ${(copy.bytes / 1024 ** 2).toFixed(1)} MB, ${copy.counts.deployments} deployments, ${copy.counts.target_events} target events; copied, checked, synced`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same check and backup on a copy of `file` grown `copies` times (grown-store.ts). */
async function grownStore(file: string, copies: number, out: Figures): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-grown-'));
  try {
    const grown = path.join(dir, 'coordinator.db');
    await backupStore(file, grown);
    growStore(grown, copies);
    await checkAndBackup(grown, `that store with its deployments copied ${copies} times (no coordinator)`, 'store_grown', out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the store benchmark; figures go into `out`. */
export async function runStoreBench(opts: StoreBenchOptions, out: Figures): Promise<void> {
  const syncs: Sync[] = ['normal', 'full'];
  const sessions: Session[] = [];
  try {
    for (const sync of syncs) sessions.push(await openSession(sync, opts.hosts));
    const all = await alternate(sessions, 'CodeDeployDefault.AllAtOnce', opts.hosts, opts.runs, opts.log);
    sideBySide(out, `${opts.hosts}_allatonce_events_per_s`, 'events/s', `AllAtOnce to ${opts.hosts} simulated hosts, median of ${opts.runs}`, new Map(syncs.map((s) => [s, median(all.get(s)!.map((d) => d.eventsPerSecond))])));
    sideBySide(out, `${opts.hosts}_allatonce_s`, 's', `AllAtOnce to ${opts.hosts} simulated hosts, median of ${opts.runs}`, new Map(syncs.map((s) => [s, median(all.get(s)!.map((d) => d.durationMs)) / 1000])));
    const one = await alternate(sessions, 'CodeDeployDefault.OneAtATime', opts.hosts, opts.runs, opts.log);
    sideBySide(out, 'onebyone_batch_overhead_ms', 'ms', `OneAtATime to ${opts.hosts} of the hosts: mean gap from one host's final event to the next host's command, median of ${opts.runs}`, new Map(syncs.map((s) => [s, median(one.get(s)!.map((d) => batchGaps(d.records).meanMs))])));
    sideBySide(out, 'onebyone_events_per_s', 'events/s', `OneAtATime to ${opts.hosts} hosts (about one commit per event), median of ${opts.runs}`, new Map(syncs.map((s) => [s, median(one.get(s)!.map((d) => d.eventsPerSecond))])));
    const file = sessions[0]!.coordinator.storeFile;
    await checkAndBackup(file, 'the store the runs filled (its coordinator running)', 'store', out);
    await grownStore(file, opts.growCopies, out);
  } finally {
    for (const s of sessions) await closeSession(s);
  }
}
