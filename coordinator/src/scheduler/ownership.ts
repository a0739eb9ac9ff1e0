/**
 * How a scheduler shares deployments with the other coordinators on its store (cluster/
 * implements it; alone on a store, a scheduler drives everything). Each running deployment is
 * driven by one coordinator at a time, holding its lease; every write for a deployment in a unit
 * of work first passes the fence (the lease, at this coordinator's epoch, locked until commit),
 * so a coordinator that lost the lease (paused, cut off) writes nothing for it.
 */
import type { UnitOfWork } from '../store/store.ts';

/** One unit of work, fenced. */
export interface FencedUnit {
  /** The unit of work's repositories; each write for a deployment passes the fence first. */
  readonly tx: UnitOfWork;
  /** True when this coordinator drives the deployment (checked, and held until commit). */
  drives(deploymentId: string): Promise<boolean>;
  /** Asks whoever drives the deployment to look at it again, once this unit of work commits. */
  wake(deploymentId: string): Promise<void>;
  /** The unit of work committed: the leases it took or gave up count from now on. */
  committed(): void;
}

/** The leases of one coordinator. */
export interface Ownership {
  /** The deployments this coordinator drives now. */
  owned(): readonly string[];
  /**
   * Fences `tx` (the same fenced unit for the same unit of work). A write for a deployment whose
   * lease is free takes it; `steal` (an operator's action) takes it from whoever holds it.
   */
  begin(tx: UnitOfWork, opts: { steal: boolean }): FencedUnit;
}

/** Alone on its store, a coordinator drives every deployment and wakes nobody. */
export function soleDriver(tx: UnitOfWork): FencedUnit {
  return {
    tx,
    drives: () => Promise.resolve(true),
    wake: () => Promise.resolve(),
    committed: () => undefined,
  };
}
