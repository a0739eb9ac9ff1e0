/**
 * The custom "10% at a time" deployment configuration (minimum healthy hosts 90% of the fleet).
 * Created through POST /v1/deployment-configs; a coordinator without custom configurations gets
 * the figure reported as not measurable, with its answer.
 */
import type { Coordinator } from '../lib/coordinator.ts';

/** The benchmark's custom configuration name. */
export const TEN_PERCENT_CONFIG = 'Bench.TenPercentAtATime';

/** The configuration name to deploy with, or why there is none. */
export type ConfigResolution = { ok: true; name: string } | { ok: false; reason: string };

/** Creates the 10%-at-a-time configuration through the API, if the coordinator has one. */
export async function createTenPercentConfig(coordinator: Coordinator): Promise<ConfigResolution> {
  const body = { name: TEN_PERCENT_CONFIG, minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 90 } };
  const res = await coordinator.api<unknown>('POST', '/v1/deployment-configs', body);
  if (res.status === 201 || res.status === 200) return { ok: true, name: TEN_PERCENT_CONFIG };
  return {
    ok: false,
    reason: `custom deployment configs are not available yet: POST /v1/deployment-configs answered ${res.status} ${JSON.stringify(res.body)}`,
  };
}
