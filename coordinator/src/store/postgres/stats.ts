/**
 * Counts for /metrics in PostgreSQL (store/stats.ts has the contract).
 */
import type { FleetCounts } from '../stats.ts';
import { FINISHED_SQL } from './deployments/deployments.ts';
import type { Sql } from './sql.ts';

function byKey(rows: Array<{ k: string; n: number }>): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
}

/** {@inheritDoc StatsRepository.fleetCounts} */
export async function fleetCounts(q: Sql): Promise<FleetCounts> {
  const deployments = await q.rows<{ k: string; n: number }>('SELECT status AS k, COUNT(*) AS n FROM deployments GROUP BY status');
  const hosts = await q.rows<{ k: string; n: number }>(
    `SELECT t.status AS k, COUNT(*) AS n FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE d.status NOT IN (${FINISHED_SQL}) GROUP BY t.status`,
  );
  const instances = (await q.one<{ n: number }>('SELECT COUNT(*) AS n FROM instances'))?.n ?? 0;
  const outbox = (await q.one<{ n: number }>(`SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'Pending'`))?.n ?? 0;
  return { deployments: byKey(deployments), hosts: byKey(hosts), instances, webhookOutbox: outbox };
}
