/**
 * The coordinator's store, as the rest of the coordinator sees it: repositories in plain
 * TypeScript types, every method asynchronous, and units of work for what must change together.
 * The SQLite implementation (sqlite/) is the default; PostgreSQL (postgres/, for several
 * coordinators on one database) implements the same interface, and nothing above the store
 * changes.
 *
 * Others see nothing of a unit of work until it has committed; inside one, code uses only the
 * `tx` it was given and awaits nothing but the store. In SQLite units of work take turns (one
 * holds the store while it runs); in PostgreSQL they run side by side, as those of several
 * coordinators must, each statement seeing what was committed when it started, and the
 * repositories lock the rows coordinators race for (a host's event cursor, a target whose
 * outcome arrives while its deadline passes, a deployment's lease). Each call made on the store
 * itself, outside a unit of work, is a unit of work of its own.
 */
import type { ApplicationRepository } from './applications.ts';
import type { ClusterRepository } from './cluster.ts';
import type { DeploymentConfigRepository } from './configs.ts';
import type { DeploymentRepository } from './deployments/deployments.ts';
import type { TargetRepository } from './deployments/targets.ts';
import type { DeploymentViewRepository } from './deployments/views.ts';
import type { DeploymentGroupRepository } from './groups.ts';
import type { InstanceRepository } from './instances.ts';
import type { LogRepository } from './logs.ts';
import type { WebhookRepository } from './webhooks.ts';
import type { StatsRepository } from './stats.ts';
import type { RevisionRepository } from './revisions.ts';
import type { TokenRepository } from './tokens.ts';
import type { AuditRepository } from './audit.ts';
import type { TrafficRepository } from './traffic.ts';
import type { HealthRepository } from './health.ts';
import type { NonceRepository } from './nonces.ts';

/** Every repository of the store. */
export interface Repositories {
  readonly applications: ApplicationRepository;
  readonly configs: DeploymentConfigRepository;
  readonly groups: DeploymentGroupRepository;
  readonly revisions: RevisionRepository;
  readonly instances: InstanceRepository;
  readonly tokens: TokenRepository;
  readonly audit: AuditRepository;
  readonly nonces: NonceRepository;
  readonly deployments: DeploymentRepository;
  readonly targets: TargetRepository;
  readonly deploymentViews: DeploymentViewRepository;
  readonly traffic: TrafficRepository;
  readonly health: HealthRepository;
  readonly logs: LogRepository;
  readonly webhooks: WebhookRepository;
  readonly stats: StatsRepository;
  /** What several coordinators share (cluster.ts): present where the store can be shared (PostgreSQL). */
  readonly cluster?: ClusterRepository;
}

/** The repositories inside one unit of work. */
export interface UnitOfWork extends Repositories {
  /**
   * Runs `work` so that when it throws, only what it changed is undone (a savepoint) and the
   * error is passed on; the unit of work itself goes on. A deadlock or serialization failure
   * (PostgreSQL) is passed on too, but the whole unit of work then runs again from its start,
   * even when its work caught that error: it was a collision, not a failure of the work.
   */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
}

/** Whether the store can serve the coordinator (GET /readyz). */
export interface StoreReadiness {
  /** A write was taken and committed. */
  writable: boolean;
  /** Every migration this build knows is applied. */
  migrated: boolean;
  /** What is wrong, when something is. */
  detail?: string;
}

/** The coordinator's store. */
export interface Store extends Repositories {
  /** Checks that the store takes writes and its schema is up to date. Never rejects. */
  readiness(): Promise<StoreReadiness>;
  /**
   * Runs `work` as one transaction: everything it changed is committed when it resolves and
   * undone when it rejects (the rejection is passed on). Where units of work run side by side
   * (PostgreSQL), one that the database aborted for a deadlock runs again: `work` keeps its
   * effects in the store or in what it returns.
   */
  transaction<T>(work: (tx: UnitOfWork) => Promise<T>): Promise<T>;
  /** Runs `work` over one consistent view of the store, changing nothing. */
  read<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Agent frames the hub applies in one unit of work at most (hub/event-batch.ts), set by the
   * engine because a unit of work costs differently on each: SQLite's never gives the event loop
   * back, so a long one leaves HTTP requests and socket reads waiting; PostgreSQL's waits on round
   * trips instead, paid once per unit of work, so it takes bigger bursts.
   */
  readonly burstFrames: number;
  /** False once closed. */
  readonly open: boolean;
  /** Closes the store once the unit of work running (if any) has finished. */
  close(): Promise<void>;
}
