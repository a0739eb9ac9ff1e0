/**
 * Counts for /metrics in SQLite (store/stats.ts has the contract).
 */
import type { FleetCounts } from '../stats.ts';
import type { Db } from './db.ts';
import { FINISHED_SQL } from './deployments/deployments.ts';
import { prepared } from './statements.ts';

function byKey(rows: Array<{ k: string; n: number }>): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
}

/** {@inheritDoc StatsRepository.fleetCounts} */
export function fleetCounts(db: Db): FleetCounts {
  const deployments = prepared(db, 'SELECT status AS k, COUNT(*) AS n FROM deployments GROUP BY status').all() as Array<{ k: string; n: number }>;
  const hosts = prepared(db,
    `SELECT t.status AS k, COUNT(*) AS n FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id
     WHERE d.status NOT IN (${FINISHED_SQL}) GROUP BY t.status`,
  ).all() as Array<{ k: string; n: number }>;
  const instances = (prepared(db, 'SELECT COUNT(*) AS n FROM instances').get() as { n: number }).n;
  const outbox = (prepared(db, `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'Pending'`).get() as { n: number }).n;
  return { deployments: byKey(deployments), hosts: byKey(hosts), instances, webhookOutbox: outbox };
}
