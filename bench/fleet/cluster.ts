/**
 * Fleet scale on several coordinators: N simulated agents spread over 3 coordinators sharing one
 * PostgreSQL (a throwaway server with fsync on, asynchronous commit), beside the one-coordinator
 * SQLite figures of the same run. Measured: AllAtOnce to every host (and its ratio to SQLite's);
 * how long until a host whose agent died is shown offline by another coordinator (its socket
 * closed, or the host vanished and only the heartbeat tells); and failover: kill -9 of the
 * coordinator driving a running deployment, until another one drives it (holds its lease and
 * dispatches a host), with no host failed or sent its command twice.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import type { DeploymentSummary, RegistrationTokenView } from '../../protocol/src/index.ts';
import { ThrowawayPostgres } from '../../test/support/postgres.ts';
import { startCoordinator, type Coordinator } from '../lib/coordinator.ts';
import { figure, notMeasured, type Figures } from '../lib/figures.ts';
import { packRevision, setUpDeploymentTarget, writeNoopRevision, type DeploymentTarget } from '../lib/revision.ts';
import { median } from '../lib/stats.ts';
import { createTenPercentConfig } from './configs.ts';
import { expectSucceededPg, timedDeployment, type FleetDeployment } from './deploy.ts';
import { SimFleet } from './fleet.ts';

/** What the cluster measurement needs of the fleet benchmark's options. */
export interface ClusterBenchOptions {
  runs: number;
  /** Write a CPU profile of each coordinator into this directory. */
  cpuProfDir?: string;
  capSeconds: number;
  log(line: string): void;
}

/** Durable enough to compare with SQLite's WAL + synchronous=NORMAL: fsync on, commits acknowledged before they are flushed. */
const BENCH_PG_SETTINGS = { fsync: 'on', full_page_writes: 'on', synchronous_commit: 'off', shared_buffers: '256MB' };
const NODES = 3;
/** Hosts killed to time how soon they are shown offline. */
const DEAD_HOSTS = 20;

interface Cluster {
  postgres: ThrowawayPostgres;
  url: string;
  nodes: Coordinator[];
  fleet: SimFleet;
  target: DeploymentTarget;
  dir: string;
}

async function startCluster(hosts: number, opts: ClusterBenchOptions): Promise<Cluster> {
  const postgres = await ThrowawayPostgres.start(BENCH_PG_SETTINGS);
  const url = postgres.url(await postgres.createDatabase());
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-cluster-'));
  const nodes: Coordinator[] = [];
  for (let i = 1; i <= NODES; i++) {
    const first = nodes[0];
    nodes.push(
      await startCoordinator({
        storeUrl: url,
        args: ['--artifacts-dir', path.join(dir, 'artifacts'), '--node-name', `node-${i}`],
        ...(opts.cpuProfDir ? { cpuProfDir: path.join(opts.cpuProfDir, `pg3-n${hosts}-node${i}`) } : {}),
        // Every coordinator signs with the same keys: agents trust those they registered with.
        ...(first ? { prepare: (dataDir: string) => cpSync(path.join(first.dataDir, 'keys'), path.join(dataDir, 'keys'), { recursive: true }) } : {}),
      }),
    );
  }
  const revisionDir = mkdtempSync(path.join(tmpdir(), 'dh-bench-rev-'));
  writeNoopRevision(revisionDir, 3);
  const target = await setUpDeploymentTarget(nodes[0]!, await packRevision(revisionDir), [{ type: 'KEY_AND_VALUE', key: 'fleet', value: 'bench' }]);
  rmSync(revisionDir, { recursive: true, force: true });
  const token = await nodes[0]!.call<RegistrationTokenView>('POST', '/v1/registration-tokens', { ttlSeconds: 3600, maxUses: null, tags: { fleet: 'bench' } });
  const fleet = SimFleet.start(NODES, 0);
  const registerMs = await fleet.register(nodes.map((n) => n.url), token.token ?? '', hosts, 16);
  const connectMs = await fleet.connect(64);
  opts.log(`  N=${hosts} on ${NODES} coordinators (PostgreSQL): registered in ${(registerMs / 1000).toFixed(1)} s, connected in ${(connectMs / 1000).toFixed(1)} s`);
  await delay(3000); // every coordinator's presence read sees every agent
  return { postgres, url, nodes, fleet, target, dir };
}

async function stopCluster(c: Cluster): Promise<void> {
  await c.fleet.stop();
  for (const node of c.nodes) await node.stop();
  await c.postgres.stop();
  rmSync(c.dir, { recursive: true, force: true });
}

async function allAtOnce(c: Cluster, hosts: number, opts: ClusterBenchOptions, out: Figures): Promise<void> {
  const runs: FleetDeployment[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const d = await timedDeployment(c.nodes[0]!, c.fleet, c.target, 'CodeDeployDefault.AllAtOnce', hosts, opts.capSeconds * 1000);
    opts.log(`  N=${hosts} AllAtOnce on ${NODES} coordinators (PostgreSQL): ${(d.durationMs / 1000).toFixed(2)} s, ${Math.round(d.eventsPerSecond)} events/s`);
    runs.push(d);
  }
  const seconds = median(runs.map((d) => d.durationMs)) / 1000;
  out[`fleet_pg3_${hosts}_allatonce_s`] = figure(seconds, 's', `median of ${runs.length}; agents spread over ${NODES} coordinators on one PostgreSQL, deployment created on one of them`);
  out[`fleet_pg3_${hosts}_events_per_s`] = figure(median(runs.map((d) => d.eventsPerSecond)), 'events/s', 'AllAtOnce, 15 events per host, over the 3 coordinators');
  const sqlite = out[`fleet_${hosts}_allatonce_s`]?.value;
  if (typeof sqlite === 'number' && sqlite > 0) {
    out[`fleet_pg3_${hosts}_allatonce_vs_sqlite_ratio`] = figure(seconds / sqlite, '×', 'PostgreSQL with 3 coordinators / SQLite with one, same run (goal: within 2×)');
  }
}

/** Kills DEAD_HOSTS hosts of the second simulator and times until `observer`'s API shows each offline. */
async function timeOffline(c: Cluster, observer: Coordinator, hosts: number, how: 'closed' | 'silent', out: Figures): Promise<void> {
  const dead = await c.fleet.kill(1, DEAD_HOSTS, how);
  const start = performance.now();
  const seen = new Map<string, number>();
  while (seen.size < dead.length && performance.now() - start < 120_000) {
    const list = await observer.call<{ instances: { instanceId: string; connected: boolean }[] }>('GET', '/v1/instances');
    const at = performance.now() - start;
    for (const i of list.instances) if (dead.includes(i.instanceId) && !i.connected && !seen.has(i.instanceId)) seen.set(i.instanceId, at);
    await delay(250);
  }
  const name = `fleet_pg3_${hosts}_offline_${how}_s`;
  const what = how === 'closed' ? 'its agent died and its socket closed' : 'the host vanished (no FIN: only the missed heartbeat tells)';
  if (seen.size < dead.length) {
    out[name] = notMeasured('s', `${dead.length - seen.size} of ${dead.length} hosts still shown connected after 120 s`);
    return;
  }
  const times = [...seen.values()];
  out[name] = figure(Math.max(...times) / 1000, 's', `slowest of ${dead.length} hosts (median ${(median(times) / 1000).toFixed(1)} s) until another coordinator's API shows it offline; ${what}; polled every 250 ms`);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[]): Promise<T | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows[0];
  } finally {
    await client.end();
  }
}

/** How often the failover deployment's progress is logged while it runs. */
const PROGRESS_MS = 15_000;

/** One line of the failover deployment's progress: hosts finished, its targets by status, who drives it. */
async function logProgress(c: Cluster, id: string, hosts: number, opts: ClusterBenchOptions): Promise<void> {
  try {
    const row = await query<{ targets: string; driver: string | null }>(
      c.url,
      `SELECT (SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, COUNT(*) AS n FROM deployment_targets WHERE deployment_id = $1 GROUP BY status) s) AS targets,
              (SELECT node_id FROM deployment_leases WHERE deployment_id = $1) AS driver`,
      [id],
    );
    opts.log(`  N=${hosts} failover deployment: ${c.fleet.finishedCount(id)} of ${hosts} hosts finished; targets ${row?.targets ?? 'none'}; lease ${row?.driver ?? 'none'}`);
  } catch (err) {
    opts.log(`  N=${hosts} failover deployment: progress not read (${(err as Error).message})`);
  }
}

/**
 * kill -9 of the coordinator driving a 10%-at-a-time deployment; until another one drives it.
 * Returns the coordinator killed.
 */
async function failover(c: Cluster, hosts: number, opts: ClusterBenchOptions, out: Figures): Promise<Coordinator | undefined> {
  const config = await createTenPercentConfig(c.nodes[1]!);
  if (!config.ok) return void (out[`fleet_pg3_${hosts}_failover_s`] = notMeasured('s', config.reason));
  await c.fleet.setEventDelay(100);
  const created = await c.nodes[1]!.call<DeploymentSummary>('POST', '/v1/deployments', {
    applicationName: c.target.application,
    deploymentGroupName: c.target.group,
    revisionId: c.target.revisionId,
    deploymentConfigName: config.name,
    fileExistsBehavior: 'OVERWRITE',
  });
  const id = created.deploymentId;
  await delay(4000);
  const lease = await query<{ node_id: string; pid: number }>(c.url, 'SELECT l.node_id, n.pid FROM deployment_leases l JOIN coordinator_nodes n USING (node_id) WHERE deployment_id = $1', [id]);
  const driver = c.nodes.find((n) => n.pid === lease?.pid);
  if (!lease || !driver) return void (out[`fleet_pg3_${hosts}_failover_s`] = notMeasured('s', 'no coordinator held the deployment lease'));
  const killedAt = new Date();
  const start = performance.now();
  await driver.kill9();
  let leaseMs: number | undefined;
  let dispatchMs: number | undefined;
  while (dispatchMs === undefined && performance.now() - start < 60_000) {
    const l = await query<{ node_id: string | null }>(c.url, 'SELECT node_id FROM deployment_leases WHERE deployment_id = $1', [id]);
    if (leaseMs === undefined && l?.node_id && l.node_id !== lease.node_id) leaseMs = performance.now() - start;
    const t = await query<{ n: number }>(c.url, 'SELECT COUNT(*)::int AS n FROM deployment_targets WHERE deployment_id = $1 AND started_at > $2', [id, killedAt.toISOString()]);
    if (leaseMs !== undefined && (t?.n ?? 0) > 0) dispatchMs = performance.now() - start;
    await delay(100);
  }
  // A deployment that outlives the cap is reported as such, with the failover times measured.
  const progress = setInterval(() => void logProgress(c, id, hosts, opts), PROGRESS_MS);
  const finished = await c.fleet
    .waitFinished(id, hosts, opts.capSeconds * 1000)
    .then(
      () => undefined,
      (err: Error) => err.message,
    )
    .finally(() => clearInterval(progress));
  const doneMs = performance.now() - start;
  if (finished === undefined) await expectSucceededPg(c.url, id, hosts);
  const report = await c.fleet.report(id);
  await c.fleet.setEventDelay(0);
  const clean =
    finished === undefined
      ? `the deployment Succeeded on every host; ${report.restarts} host(s) sent a second command (restarted), ${report.reconnects} reconnection(s) of the dead coordinator's agents`
      : `NOT FINISHED within --cap-seconds (${finished}); ${report.restarts} host(s) restarted, ${report.reconnects} reconnection(s)`;
  out[`fleet_pg3_${hosts}_failover_lease_s`] = leaseMs === undefined ? notMeasured('s', 'no other coordinator took the lease within 60 s') : figure(leaseMs / 1000, 's', 'kill -9 of the driving coordinator until another holds the lease (--lease-ms 10000, ticks every second)');
  out[`fleet_pg3_${hosts}_failover_finished_s`] =
    finished === undefined ? figure(doneMs / 1000, 's', 'kill -9 of the driving coordinator until every host of the 10%-at-a-time deployment (100 ms per event) finished') : notMeasured('s', finished);
  out[`fleet_pg3_${hosts}_failover_s`] = dispatchMs === undefined ? notMeasured('s', 'no host was dispatched within 60 s of the kill') : figure(dispatchMs / 1000, 's', `kill -9 until the next coordinator dispatches a host (goal: 15 s); ${clean}`);
  opts.log(`  N=${hosts} failover: lease ${((leaseMs ?? NaN) / 1000).toFixed(1)} s, next dispatch ${((dispatchMs ?? NaN) / 1000).toFixed(1)} s, every host finished ${finished === undefined ? `${(doneMs / 1000).toFixed(1)} s` : 'NOT'} after the kill; ${clean}`);
  return driver;
}

/** The measurements with 3 coordinators on PostgreSQL at `hosts`; figures go into `out`. */
export async function measureCluster(hosts: number, opts: ClusterBenchOptions, out: Figures): Promise<void> {
  const c = await startCluster(hosts, opts);
  try {
    await allAtOnce(c, hosts, opts, out);
    // Failover first, while every host is alive (a dead one would wait for its agent, then fail).
    const killed = await failover(c, hosts, opts, out);
    const observer = c.nodes.find((n) => n !== killed) ?? c.nodes[0]!;
    await timeOffline(c, observer, hosts, 'closed', out);
    await timeOffline(c, observer, hosts, 'silent', out);
  } finally {
    await stopCluster(c);
  }
}
