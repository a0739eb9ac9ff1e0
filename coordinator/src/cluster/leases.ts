/**
 * Deployment leases of one coordinator among several on a PostgreSQL store, and the fence every
 * write for a deployment passes (scheduler/ownership.ts has the contract). The fence is taken in
 * the unit of work that writes: the lease row, at this coordinator's epoch, stays locked
 * until commit, so no other coordinator can take the lease between the check and the writes; a
 * coordinator that lost its lease (its epoch is no longer the row's) writes nothing.
 */
import type { Logger } from '../../../common/src/logger.ts';
import { DeckhandError } from '../../../protocol/src/index.ts';
import type { FencedUnit, Ownership } from '../scheduler/ownership.ts';
import { CLUSTER_CHANNELS, type ClusterRepository, type HeldLease } from '../store/cluster.ts';
import type { UnitOfWork } from '../store/store.ts';
import { fencedRepositories } from './fenced.ts';

/** Dependencies of {@link LeaseOwnership}. */
export interface LeaseDeps {
  nodeId: string;
  /** How long a lease lasts without renewal. */
  ttlMs: number;
  log: Logger;
}

/** The leases this coordinator holds, by deployment, with their epochs. */
export class LeaseOwnership implements Ownership {
  private readonly held = new Map<string, number>();
  private readonly units = new WeakMap<UnitOfWork, Fence>();

  constructor(readonly deps: LeaseDeps) {}

  /** {@inheritDoc Ownership.owned} */
  owned(): readonly string[] {
    return [...this.held.keys()];
  }

  /** The epoch at which this coordinator holds the deployment, if it does. */
  epochOf(deploymentId: string): number | undefined {
    return this.held.get(deploymentId);
  }

  /** {@inheritDoc Ownership.begin} */
  begin(tx: UnitOfWork, opts: { steal: boolean }): FencedUnit {
    let fence = this.units.get(tx);
    if (!fence) {
      fence = new Fence(this, tx, opts.steal);
      this.units.set(tx, fence);
    }
    return fence.unit;
  }

  /** This coordinator holds the deployment at `epoch` (it took or renewed the lease). */
  adopt(deploymentId: string, epoch: number): void {
    this.held.set(deploymentId, epoch);
  }

  /** This coordinator no longer drives the deployment. */
  forget(deploymentId: string): void {
    if (this.held.delete(deploymentId)) this.deps.log.info('deployment lease given up or lost', { deploymentId });
  }

  /** What the database says this coordinator holds, after renewing: returns the leases lost meanwhile. */
  sync(leases: readonly HeldLease[]): string[] {
    const now = new Map(leases.map((l) => [l.deploymentId, l.epoch]));
    const lost = [...this.held].filter(([id, epoch]) => now.get(id) !== epoch).map(([id]) => id);
    for (const id of lost) this.forget(id);
    return lost;
  }
}

function clusterOf(tx: UnitOfWork): ClusterRepository {
  if (!tx.cluster) throw new DeckhandError('INTERNAL', 'this store cannot be shared by several coordinators');
  return tx.cluster;
}

/** The fence of one unit of work. */
class Fence {
  readonly unit: FencedUnit;
  /** Deployments fenced in this unit of work, with the epoch they were fenced at. */
  private readonly checked = new Map<string, number>();
  private readonly released = new Set<string>();
  private readonly cluster: ClusterRepository;

  constructor(
    private readonly owner: LeaseOwnership,
    tx: UnitOfWork,
    private readonly steal: boolean,
  ) {
    this.cluster = clusterOf(tx);
    this.unit = {
      tx: fencedRepositories(tx, {
        guard: (id) => this.guard(id),
        release: async (id) => {
          await this.cluster.releaseLease(id, owner.deps.nodeId);
          this.released.add(id);
        },
      }),
      drives: (id) => this.drives(id),
      wake: (id) => this.cluster.notify(CLUSTER_CHANNELS.wake, id),
      committed: () => this.committed(),
    };
  }

  /** Passes the fence for a write of `deploymentId`, taking a free lease (any lease when stealing), or throws. */
  private async guard(deploymentId: string): Promise<void> {
    if (this.checked.has(deploymentId)) return;
    const { nodeId, ttlMs } = this.owner.deps;
    const epoch = this.owner.epochOf(deploymentId);
    if (epoch !== undefined && (await this.cluster.holdsLease(deploymentId, nodeId, epoch))) {
      this.checked.set(deploymentId, epoch);
      return;
    }
    if (epoch !== undefined && !this.steal) {
      this.owner.forget(deploymentId);
      throw new DeckhandError('CONFLICT', `deployment ${deploymentId}: this coordinator lost its lease (epoch ${epoch}) and writes nothing more for it`);
    }
    const taken = await this.cluster.acquireLease(deploymentId, nodeId, ttlMs, this.steal ? 'steal' : 'free');
    if (taken === undefined) throw new DeckhandError('CONFLICT', `deployment ${deploymentId} is driven by another coordinator`);
    this.checked.set(deploymentId, taken);
  }

  private async drives(deploymentId: string): Promise<boolean> {
    if (this.checked.has(deploymentId)) return true;
    const epoch = this.owner.epochOf(deploymentId);
    if (epoch === undefined) return false;
    if (await this.cluster.holdsLease(deploymentId, this.owner.deps.nodeId, epoch)) {
      this.checked.set(deploymentId, epoch);
      return true;
    }
    this.owner.forget(deploymentId);
    return false;
  }

  private committed(): void {
    for (const [id, epoch] of this.checked) if (!this.released.has(id)) this.owner.adopt(id, epoch);
    for (const id of this.released) this.owner.forget(id);
  }
}
