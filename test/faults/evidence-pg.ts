/**
 * The evidence of a fault run with several coordinators: the same reads as evidence.ts's, from
 * the PostgreSQL store they share.
 */
import pg from 'pg';
import type { CoordDeployment, EventRow } from './evidence.ts';

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function toEvent(r: Record<string, string | null>): EventRow {
  return { event: r['event']!, status: r['status']!, errorCode: r['error_code'] ?? null, startedAt: r['started_at'] ?? null, endedAt: r['ended_at'] ?? null };
}

/** Reads a deployment, its targets and their events from the shared store. */
export function readCoordinatorPg(url: string, deploymentId: string): Promise<CoordDeployment | undefined> {
  return withClient(url, async (c) => {
    const d = (await c.query<{ status: string }>('SELECT status FROM deployments WHERE deployment_id = $1', [deploymentId])).rows[0];
    if (!d) return undefined;
    const targets = (
      await c.query<{ instance_id: string; status: string; batch: number | null; error_code: string | null }>(
        'SELECT instance_id, status, batch, error_code FROM deployment_targets WHERE deployment_id = $1 ORDER BY position',
        [deploymentId],
      )
    ).rows;
    const events = (await c.query<Record<string, string | null>>('SELECT instance_id, event, status, error_code, started_at, ended_at FROM target_events WHERE deployment_id = $1', [deploymentId])).rows;
    return {
      status: d.status,
      targets: targets.map((t) => ({
        instanceId: t.instance_id,
        status: t.status,
        batch: t.batch,
        errorCode: t.error_code,
        events: new Map(events.filter((e) => e['instance_id'] === t.instance_id).map((e) => [e['event']!, toEvent(e)])),
      })),
    };
  });
}

/** The cursor of applied agent events the shared store holds for an instance. */
export function lastAppliedSeqPg(url: string, instanceId: string): Promise<number> {
  return withClient(url, async (c) => {
    const r = await c.query<{ s: string }>('SELECT last_applied_seq AS s FROM instances WHERE instance_id = $1', [instanceId]);
    return r.rows[0] ? Number(r.rows[0].s) : -1;
  });
}

/** The coordinators (their pids) that drive running deployments now, by the shared store's leases. */
export function leaseHolders(url: string): Promise<{ deploymentId: string; pid: number; nodeId: string }[]> {
  return withClient(url, async (c) => {
    const r = await c.query<{ deployment_id: string; pid: number; node_id: string }>(
      `SELECT l.deployment_id, n.pid, n.node_id FROM deployment_leases l
       JOIN coordinator_nodes n ON n.node_id = l.node_id
       JOIN deployments d ON d.deployment_id = l.deployment_id
       WHERE d.status = 'InProgress' AND l.expires_at > now()`,
    );
    return r.rows.map((row) => ({ deploymentId: row.deployment_id, pid: row.pid, nodeId: row.node_id }));
  });
}
