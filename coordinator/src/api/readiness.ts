/**
 * What /readyz answers: whether the store takes writes and has every migration (readiness, unlike
 * liveness, depends on the store: a load balancer stops sending work here), and among several
 * coordinators this one's part: whether its last cluster tick reached the store, the deployments
 * it drives and the agents connected to it. Unready (503) when any of them is not well.
 */
import type { Store } from '../store/store.ts';
import type { Readiness } from './deps.ts';

/** What a coordinator among several says of itself (cluster/node.ts: ClusterNode.status). */
export interface NodeReadiness {
  nodeId: string;
  storeOk: boolean;
  lastError?: string;
  leases: readonly string[];
  agents: number;
}

/** Checks the store (store.ts: readiness) and reports the node's state, if there is a node. */
export async function readiness(store: Store, node?: { status(): NodeReadiness }): Promise<Readiness> {
  const r = await store.readiness();
  const checks: Readiness['checks'] = { store: r.writable ? 'writable' : 'not writable', migrations: r.migrated ? 'done' : 'pending' };
  if (r.detail !== undefined) checks.detail = r.detail;
  const status = node?.status();
  const ready = r.writable && r.migrated && (status?.storeOk ?? true);
  return {
    ready,
    checks,
    ...(status ? { node: { nodeId: status.nodeId, storeOk: status.storeOk, leases: [...status.leases], agents: status.agents, ...(status.lastError ? { lastError: status.lastError } : {}) } } : {}),
  };
}
