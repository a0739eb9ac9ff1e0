/**
 * Counts for /metrics, read when Prometheus scrapes (a few GROUP BY queries, no row per host).
 */

/** Counts of the fleet as the store has them now. */
export interface FleetCounts {
  /** Deployments by status. */
  deployments: Record<string, number>;
  /** Hosts of unfinished deployments, by their status in it. */
  hosts: Record<string, number>;
  /** Registered instances. */
  instances: number;
  /** Webhook messages waiting to be delivered. */
  webhookOutbox: number;
}

/** Reads the counts. */
export interface StatsRepository {
  fleetCounts(): Promise<FleetCounts>;
}
