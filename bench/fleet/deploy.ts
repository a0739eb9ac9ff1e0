/**
 * One timed deployment to the simulated fleet: POST /v1/deployments, wait for every host's final
 * event to be acknowledged (the coordinator commits the deployment's Succeeded in the same
 * transaction as the last host's outcome, before it acks), then check the status through the API.
 */
import pg from 'pg';
import { openSqlite } from '../../common/src/sqlite.ts';
import type { DeploymentSummary, DeploymentView } from '../../protocol/src/index.ts';
import type { Coordinator } from '../lib/coordinator.ts';
import type { DeploymentTarget } from '../lib/revision.ts';
import { cpuSeconds } from '../lib/proc.ts';
import { wallMs } from '../lib/stats.ts';
import type { SimFleet } from './fleet.ts';
import type { HostRecord } from './messages.ts';

/** What one deployment to the fleet measured. */
export interface FleetDeployment {
  deploymentId: string;
  /** POST sent → last host's final event acknowledged, ms. */
  durationMs: number;
  /** Lifecycle and outcome events applied per second (first event sent → last final ack). */
  eventsPerSecond: number;
  /** Coordinator CPU seconds during the deployment. */
  coordinatorCpuS: number;
  /** Simulator CPU seconds during the deployment. */
  simulatorCpuS: number;
  /** How long POST /v1/deployments took to answer (the new deployment without its targets), ms. */
  postMs: number;
  /** How long GET /v1/deployments/:id took afterwards (not part of durationMs), ms; undefined when not asked for. */
  viewMs: number | undefined;
  /** How many batches the coordinator dispatched (from the view). */
  batches: number;
  records: HostRecord[];
}

/** A deployment that did not finish within the benchmark's time cap. */
export class DeploymentCapped extends Error {
  constructor(
    readonly capMs: number,
    readonly finished: number,
    readonly hosts: number,
  ) {
    super(`not finished within ${capMs / 1000} s: ${finished} of ${hosts} hosts done`);
  }
}

/** Events each simulated host sends per deployment: InProgress and Succeeded per event, then its outcome. */
export const EVENTS_PER_HOST = 15;

/** Runs one deployment with `configName` to all `hosts` simulated hosts and times it; throws DeploymentCapped after `capMs`. */
export async function timedDeployment(
  coordinator: Coordinator,
  fleet: SimFleet,
  target: DeploymentTarget,
  configName: string,
  hosts: number,
  capMs: number,
): Promise<FleetDeployment> {
  const simCpuBefore = (await fleet.report('none')).cpuSeconds;
  const cpuBefore = cpuSeconds(coordinator.pid);
  const start = wallMs();
  const created = await coordinator.call<DeploymentSummary>('POST', '/v1/deployments', {
    applicationName: target.application,
    deploymentGroupName: target.group,
    revisionId: target.revisionId,
    deploymentConfigName: configName,
    fileExistsBehavior: 'OVERWRITE',
    // AllAtOnce and HalfAtATime over the whole simulated fleet are what is measured.
    confirmLargeBlastRadius: true,
  });
  const postMs = wallMs() - start;
  await fleet.waitFinished(created.deploymentId, hosts, capMs).catch(() => {
    throw new DeploymentCapped(capMs, fleet.finishedCount(created.deploymentId), hosts);
  });
  const coordinatorCpuS = cpuSeconds(coordinator.pid) - cpuBefore;
  const report = await fleet.report(created.deploymentId);
  if (report.records.length !== hosts) throw new Error(`${report.records.length} of ${hosts} hosts reported`);
  if (report.protocolErrors > 0) throw new Error(`the simulators saw ${report.protocolErrors} bad or error frames`);
  const end = Math.max(...report.records.map((r) => r.finalAckAt));
  const firstEvent = Math.min(...report.records.map((r) => r.firstEventAt));
  const batches = coordinator.storeUrl ? await expectSucceededPg(coordinator.storeUrl, created.deploymentId, hosts) : expectSucceeded(coordinator, created.deploymentId, hosts);
  const viewMs = hosts <= VIEW_CHECK_MAX_HOSTS ? await timeView(coordinator, created.deploymentId) : undefined;
  return {
    batches,
    postMs,
    viewMs,
    deploymentId: created.deploymentId,
    durationMs: end - start,
    eventsPerSecond: (hosts * EVENTS_PER_HOST) / ((end - firstEvent) / 1000),
    coordinatorCpuS,
    simulatorCpuS: report.cpuSeconds - simCpuBefore,
    records: report.records,
  };
}

/**
 * Above this many hosts the deployment's API view is not fetched after each run: it is slow
 * enough (tens of seconds at 10,000 hosts) to dominate the benchmark's running time.
 */
const VIEW_CHECK_MAX_HOSTS = 1000;

/** Checks in the store (read-only, so the coordinator process is not loaded) that every host and the deployment Succeeded; returns the batch count. */
function expectSucceeded(coordinator: Coordinator, deploymentId: string, hosts: number): number {
  const db = openSqlite(coordinator.storeFile, { readonly: true, fileMustExist: true });
  try {
    const d = db.prepare('SELECT status FROM deployments WHERE deployment_id = ?').get(deploymentId) as { status: string } | undefined;
    const t = db
      .prepare(`SELECT SUM(status = 'Succeeded') AS ok, MAX(batch) AS batches FROM deployment_targets WHERE deployment_id = ?`)
      .get(deploymentId) as { ok: number | null; batches: number | null };
    if (d?.status !== 'Succeeded' || t.ok !== hosts) {
      throw new Error(`deployment ${deploymentId} is ${d?.status ?? 'missing'} with ${t.ok ?? 0} of ${hosts} hosts Succeeded`);
    }
    return t.batches ?? 0;
  } finally {
    db.close();
  }
}

/**
 * The same check on a PostgreSQL store several coordinators share. There, the host that finished
 * last may be connected to a coordinator that does not drive the deployment: the driver ends it
 * once woken (NOTIFY, or its look every few ticks), so the deployment's own status is waited for
 * (at most 30 s) once every host is Succeeded.
 */
export async function expectSucceededPg(url: string, deploymentId: string, hosts: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      const d = (await client.query<{ status: string }>('SELECT status FROM deployments WHERE deployment_id = $1', [deploymentId])).rows[0];
      const t = (
        await client.query<{ ok: number; batches: number | null }>(
          `SELECT COUNT(*) FILTER (WHERE status = 'Succeeded')::int AS ok, MAX(batch) AS batches FROM deployment_targets WHERE deployment_id = $1`,
          [deploymentId],
        )
      ).rows[0];
      if (d?.status === 'Succeeded' && t?.ok === hosts) return t.batches ?? 0;
      if (t?.ok !== hosts || d?.status !== 'InProgress' || Date.now() > deadline) {
        const others = await client.query(`SELECT instance_id, status, command_id, command_acked, error_code, message FROM deployment_targets WHERE deployment_id = $1 AND status <> 'Succeeded' LIMIT 5`, [deploymentId]);
        throw new Error(`deployment ${deploymentId} is ${d?.status ?? 'missing'} with ${t?.ok ?? 0} of ${hosts} hosts Succeeded: ${JSON.stringify(others.rows)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}

/** Times GET /v1/deployments/:id and checks the API agrees the deployment Succeeded. */
async function timeView(coordinator: Coordinator, deploymentId: string): Promise<number> {
  const start = wallMs();
  const view = await coordinator.call<DeploymentView>('GET', `/v1/deployments/${deploymentId}`);
  if (view.status !== 'Succeeded') throw new Error(`the API shows deployment ${deploymentId} as ${view.status}`);
  return wallMs() - start;
}

/**
 * OneAtATime's orchestration overhead: for consecutive hosts, the time from one host sending its
 * final Succeeded to the next host receiving its command. Returns the mean and the part of it
 * before the coordinator's ack came back (applying the event), in ms.
 */
export function batchGaps(records: readonly HostRecord[]): { meanMs: number; meanUntilAckMs: number } {
  const sorted = [...records].sort((a, b) => a.commandAt - b.commandAt);
  let total = 0;
  let untilAck = 0;
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as HostRecord;
    const next = sorted[i] as HostRecord;
    total += next.commandAt - prev.finalSentAt;
    untilAck += Math.min(prev.finalAckAt, next.commandAt) - prev.finalSentAt;
  }
  const n = Math.max(1, sorted.length - 1);
  return { meanMs: total / n, meanUntilAckMs: untilAck / n };
}
