/**
 * What /readyz answers: whether the store answers, and (among several coordinators) this
 * coordinator's part: whether its last cluster tick reached the store, the deployments it
 * drives and the agents connected to it. Unready (503) when the store does not answer.
 */
import type { Readiness } from './api/deps.ts';
import type { ClusterNode } from './cluster/node.ts';
import type { Store } from './store/store.ts';

/** Checks the store with one small read and reports the node's state. */
export async function readiness(store: Store, node: ClusterNode | undefined): Promise<Readiness> {
  let storeOk = true;
  let error: string | undefined;
  try {
    await store.tokens.countApiTokens();
  } catch (err) {
    storeOk = false;
    error = (err as Error).message;
  }
  const status = node?.status();
  const ok = storeOk && (status?.storeOk ?? true);
  return {
    ok,
    store: { kind: node ? 'postgres' : 'sqlite', ok: storeOk, ...(error ? { error } : {}) },
    ...(status ? { node: { nodeId: status.nodeId, storeOk: status.storeOk, leases: [...status.leases], agents: status.agents, ...(status.lastError ? { lastError: status.lastError } : {}) } } : {}),
  };
}
