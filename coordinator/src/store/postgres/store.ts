/**
 * The PostgreSQL implementation of the coordinator's store (store.ts): the async functions of
 * this folder, each bound to a pooled connection. A unit of work is a transaction on one
 * connection (READ COMMITTED, with the row locks the repositories take where two coordinators
 * could race); calls on the store itself run on any free connection, each its own transaction.
 * Unlike SQLite's, units of work of one process run side by side, as those of several
 * coordinators do anyway. A call on the store itself is a unit of work of its own (store.ts), so
 * a repository function of several statements, or one that locks rows, is whole there too; the
 * cluster's calls (cluster.ts) are single statements designed for the pool and run on it.
 */
import type pg from 'pg';
import type { Repositories, Store, StoreReadiness, UnitOfWork } from '../store.ts';
import type { ClusterHost, ClusterListener } from '../cluster.ts';
import * as applications from './applications.ts';
import * as audit from './audit.ts';
import * as cluster from './cluster.ts';
import { CLUSTER_MIGRATIONS } from './cluster-migrations.ts';
import * as configs from './configs.ts';
import { migrate, openPool, redactUrl, type PoolOptions } from './db.ts';
import * as commands from './deployments/commands.ts';
import * as deployments from './deployments/deployments.ts';
import * as intake from './deployments/intake.ts';
import * as intakeBatch from './deployments/intake-batch.ts';
import * as resize from './deployments/resize.ts';
import * as rollout from './deployments/rollout.ts';
import * as targets from './deployments/targets.ts';
import * as views from './deployments/views.ts';
import * as fleet from './fleet.ts';
import * as groups from './groups.ts';
import * as health from './health.ts';
import * as instances from './instances.ts';
import { listen } from './listen.ts';
import * as logs from './logs.ts';
import { PG_MIGRATIONS } from './migrations.ts';
import * as nonces from './nonces.ts';
import * as revisions from './revisions.ts';
import * as stats from './stats.ts';
import { sqlOf, type Sql } from './sql.ts';
import * as tokens from './tokens.ts';
import * as traffic from './traffic.ts';
import { PgUnitsOfWork } from './unit-of-work.ts';
import * as webhooks from './webhooks.ts';

/** A function of this folder: the connection first, then the repository method's arguments. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the binding is checked against the contract by `satisfies`.
type AsyncFn = (q: Sql, ...args: any[]) => Promise<unknown>;

type Bound<M extends Record<string, AsyncFn>> = {
  [K in keyof M]: M[K] extends (q: Sql, ...args: infer A) => infer R ? (...args: A) => R : never;
};

function bind<M extends Record<string, AsyncFn>>(q: Sql, fns: M): Bound<M> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(fns)) out[name] = (...args: unknown[]) => fn(q, ...args);
  return out as Bound<M>;
}

/** Every repository over `q`. */
export function pgRepositories(q: Sql): Required<Repositories> {
  return {
    applications: bind(q, {
      insert: applications.insertApplication,
      get: applications.getApplication,
      getByName: applications.getApplicationByName,
      list: applications.listApplications,
      remove: fleet.removeApplication,
    }),
    configs: bind(q, {
      insert: configs.insertDeploymentConfig,
      get: configs.getDeploymentConfig,
      list: configs.listDeploymentConfigs,
      usage: fleet.deploymentConfigUsage,
      remove: fleet.removeDeploymentConfig,
    }),
    groups: bind(q, {
      insert: groups.insertDeploymentGroup,
      get: groups.getDeploymentGroup,
      getByName: groups.getDeploymentGroupByName,
      listOfApplication: groups.listDeploymentGroups,
      listAll: groups.listAllDeploymentGroups,
      setLastSuccessfulDeployment: groups.setLastSuccessfulDeployment,
      update: fleet.updateDeploymentGroup,
      remove: fleet.removeDeploymentGroup,
    }),
    revisions: bind(q, {
      insert: revisions.insertRevision,
      get: revisions.getRevision,
      list: revisions.listRevisions,
      usage: fleet.revisionUsage,
      remove: fleet.removeRevision,
      setSignature: revisions.setRevisionSignature,
    }),
    instances: bind(q, {
      get: instances.getInstance,
      list: instances.listInstances,
      insert: instances.insertInstance,
      touch: instances.touchInstance,
      setTags: instances.setInstanceTags,
      lastAppliedSeq: instances.lastAppliedSeq,
      setLastAppliedSeq: instances.setLastAppliedSeq,
      lastAppliedSeqs: instances.lastAppliedSeqs,
      setLastAppliedSeqs: instances.setLastAppliedSeqs,
      journalEpochs: instances.journalEpochs,
      setJournalEpochs: instances.setJournalEpochs,
      remove: instances.removeInstance,
    }),
    tokens: bind(q, {
      insertApiToken: tokens.insertApiToken,
      findApiToken: tokens.findApiToken,
      findLiveApiTokenByName: tokens.findLiveApiTokenByName,
      listApiTokens: tokens.listApiTokens,
      revokeApiToken: tokens.revokeApiToken,
      countApiTokens: tokens.countApiTokens,
      insertRegistrationToken: tokens.insertRegistrationToken,
      findRegistrationToken: tokens.findRegistrationToken,
      listRegistrationTokens: tokens.listRegistrationTokens,
      revokeRegistrationToken: tokens.revokeRegistrationToken,
      countRegistrationTokenUse: tokens.incrementRegistrationTokenUses,
    }),
    audit: bind(q, { last: audit.lastAuditRecord, insert: audit.insertAuditRecord, list: audit.listAuditRecords }),
    nonces: bind(q, { use: nonces.useNonce, prune: nonces.pruneNonces }),
    deployments: bind(q, {
      get: deployments.getDeployment,
      listByStatus: deployments.listDeploymentsByStatus,
      activeOfGroup: deployments.activeDeploymentOfGroup,
      runningOfGroup: deployments.runningDeploymentOfGroup,
      nextQueuedOfGroup: deployments.nextQueuedDeployment,
      queuedTargetsOfGroup: deployments.queuedTargetsOfGroup,
      latestUnsuccessfulOfGroup: deployments.latestUnsuccessfulOfGroup,
      insert: deployments.insertDeployment,
      markStarted: deployments.markStarted,
      markCompleted: deployments.markCompleted,
      setRollbackInfo: deployments.setRollbackInfo,
      parametersOf: deployments.parametersOf,
      commandSpec: commands.commandSpec,
      dispatchSpec: commands.dispatchSpec,
      eventTimeoutOf: deployments.eventTimeoutOf,
      readRollout: rollout.readRollout,
      readForDecision: rollout.readForDecision,
      storeSteps: rollout.storeSteps,
      enterStep: rollout.enterStep,
      setPaused: rollout.setPaused,
      approve: rollout.approve,
      bakesOverAt: rollout.bakesOverAt,
      endBake: rollout.endBake,
      resizeRemaining: resize.resizeRemaining,
    }),
    targets: bind(q, {
      insert: targets.insertTargets,
      nextPendingBatch: targets.nextPendingBatch,
      markDispatched: targets.markDispatched,
      markWaiting: targets.markWaiting,
      skipPending: targets.skipPendingTargets,
      fail: targets.failTarget,
      recordAgentEvent: intake.recordAgentEvent,
      recordAgentEvents: intakeBatch.recordAgentEvents,
      acknowledgeCommand: targets.acknowledgeCommand,
      acknowledgeCommands: targets.acknowledgeCommands,
      wasCommanded: targets.wasCommanded,
      unackedOf: targets.unackedCommandsOf,
      unacked: targets.unackedTargets,
      expired: targets.expiredTargets,
      liveOf: targets.liveTargetsOf,
      runningOf: targets.runningTargetsOf,
      waitingOf: targets.waitingTargetsOf,
      earliestDeadline: targets.earliestDeadline,
      deferDeadlinesUntil: targets.deferDeadlinesUntil,
      markReady: targets.markReady,
      release: targets.releaseReady,
      outcomesInGroup: targets.outcomesInGroup,
      isComingTo: targets.isComingTo,
      unfinishedDeploymentsOf: targets.unfinishedDeploymentsOf,
    }),
    traffic: bind(q, {
      groupTraffic: traffic.groupTraffic,
      setGroupTraffic: traffic.setGroupTraffic,
      setLiveFleet: traffic.setLiveFleet,
      startOp: traffic.startOp,
      finishOp: traffic.finishOp,
      getOp: traffic.getOp,
      opsOf: traffic.opsOf,
      runningOps: traffic.runningOps,
      setHostState: traffic.setHostState,
      hostStatesOfGroup: traffic.hostStatesOfGroup,
      blueGreenOf: traffic.blueGreenOf,
      putBlueGreen: traffic.putBlueGreen,
      labelsOf: traffic.labelsOf,
      targetOf: traffic.targetOf,
    }),
    deploymentViews: bind(q, {
      deployment: views.deploymentRecord,
      list: views.listDeploymentRecords,
      targets: views.targetRecords,
      events: views.eventRecords,
      eventCells: views.eventCellRecords,
      countTargets: views.countTargets,
      targetWindow: views.targetWindow,
      targetPlace: views.targetPlace,
    }),
    logs: bind(q, {
      append: logs.appendLogLines,
      read: logs.readLogLines,
      cutStreams: logs.cutLogStreams,
      summary: logs.deploymentLogSummary,
      expire: logs.expireLogLines,
    }),
    webhooks: bind(q, {
      insert: webhooks.insertWebhook,
      listOfGroup: webhooks.listWebhooksOfGroup,
      remove: webhooks.removeWebhook,
      unannounced: webhooks.unannouncedChanges,
      markAnnounced: webhooks.markAnnounced,
      enqueue: webhooks.enqueueDelivery,
      due: webhooks.dueDeliveries,
      recordAttempt: webhooks.recordDeliveryAttempt,
      nextDue: webhooks.nextDueDelivery,
      deliveries: webhooks.listDeliveries,
    }),
    stats: bind(q, { fleetCounts: stats.fleetCounts }),
    health: bind(q, {
      insertCheck: health.insertCheck,
      getCheck: health.getCheck,
      listChecks: health.listChecks,
      deleteCheck: health.deleteCheck,
      setGroupHealth: health.setGroupHealth,
      getGroupHealth: health.getGroupHealth,
      listGroupAlarms: health.listGroupAlarms,
      setDeploymentHealth: health.setDeploymentHealth,
      getDeploymentHealth: health.getDeploymentHealth,
      setAnalysis: health.setAnalysis,
      setPauseReason: health.setPauseReason,
      setBakeSeconds: health.setBakeSeconds,
      appendResults: health.appendResults,
      resultsOf: health.resultsOf,
      measurementsOf: health.measurementsOf,
      monitored: health.monitored,
      hostsOf: health.hostsOf,
      setRetryStarts: health.setRetryStarts,
      retryStartsOf: health.retryStartsOf,
    }),
    cluster: bind(q, {
      registerNode: cluster.registerNode,
      heartbeat: cluster.heartbeat,
      markStopped: cluster.markStopped,
      listNodes: cluster.listNodes,
      acquireLease: cluster.acquireLease,
      holdsLease: cluster.holdsLease,
      renewLeases: cluster.renewLeases,
      releaseLease: cluster.releaseLease,
      claimOrphans: cluster.claimOrphans,
      writePresence: cluster.writePresence,
      presence: cluster.presence,
      enqueueMessages: cluster.enqueueMessages,
      takeMessages: cluster.takeMessages,
      pruneMessages: cluster.pruneMessages,
      notify: cluster.notify,
    }),
  } satisfies Required<Repositories>;
}

type AnyRepository = Record<string, (...args: unknown[]) => Promise<unknown>>;

/** The repositories (but the cluster's) with every call a unit of work of its own, run by `call` (unit-of-work.ts). */
function ownUnits(units: PgUnitsOfWork): Repositories {
  const shape = pgRepositories(sqlOf({} as pg.Pool)) as unknown as Record<string, AnyRepository>;
  const out: Record<string, AnyRepository> = {};
  for (const [repo, methods] of Object.entries(shape)) {
    if (repo === 'cluster') continue;
    const own: AnyRepository = {};
    for (const method of Object.keys(methods)) {
      own[method] = (...args) => units.call((q) => (pgRepositories(q) as unknown as Record<string, AnyRepository>)[repo]![method]!(...args));
    }
    out[repo] = own;
  }
  return out as unknown as Repositories;
}

/** The coordinator's store on one PostgreSQL database, which several coordinators may share. */
export class PostgresStore implements Store, ClusterHost {
  readonly applications: Repositories['applications'];
  readonly configs: Repositories['configs'];
  readonly groups: Repositories['groups'];
  readonly revisions: Repositories['revisions'];
  readonly instances: Repositories['instances'];
  readonly tokens: Repositories['tokens'];
  readonly audit: Repositories['audit'];
  readonly nonces: Repositories['nonces'];
  readonly deployments: Repositories['deployments'];
  readonly targets: Repositories['targets'];
  readonly deploymentViews: Repositories['deploymentViews'];
  readonly traffic: Repositories['traffic'];
  readonly logs: Repositories['logs'];
  readonly webhooks: Repositories['webhooks'];
  readonly stats: Repositories['stats'];
  readonly health: Repositories['health'];
  readonly cluster: Required<Repositories>['cluster'];
  /**
   * {@inheritDoc Store.burstFrames} A unit of work gives the event loop back at every statement,
   * and its cost is round trips, a few per burst whatever its size (the events of a burst are
   * applied in a few statements). In a 10,000-agent failover on 3 coordinators, every host
   * finished 34 to 47 s after the kill with 2,000 or 5,000; with 500 most took 67 to 115 s
   * (README).
   */
  readonly burstFrames = 2000;
  /** The database's URL without its password, for logs and messages. */
  readonly description: string;
  private readonly units: PgUnitsOfWork;

  /** Takes over `pool` (ended by {@link close}). */
  constructor(
    readonly pool: pg.Pool,
    private readonly url: string,
  ) {
    this.description = redactUrl(url);
    this.units = new PgUnitsOfWork(pool, pgRepositories);
    const pooled = pgRepositories(sqlOf(pool));
    const own = ownUnits(this.units);
    this.applications = own.applications;
    this.configs = own.configs;
    this.groups = own.groups;
    this.revisions = own.revisions;
    this.instances = own.instances;
    this.tokens = own.tokens;
    this.audit = own.audit;
    this.nonces = own.nonces;
    this.deployments = own.deployments;
    this.targets = own.targets;
    this.deploymentViews = own.deploymentViews;
    this.traffic = own.traffic;
    this.logs = own.logs;
    this.webhooks = own.webhooks;
    this.health = own.health;
    this.stats = own.stats;
    this.cluster = pooled.cluster;
  }

  /** {@inheritDoc ClusterHost.listen} */
  listen(channels: readonly string[], onNotify: (channel: string, payload: string) => void, onConnected: () => void, onError: (err: Error) => void = () => undefined): ClusterListener {
    return listen({ url: this.url, channels, onNotify, onConnected, onError });
  }

  /** {@inheritDoc Store.open} */
  get open(): boolean {
    return !this.units.closed;
  }

  /** {@inheritDoc Store.transaction} */
  transaction<T>(work: (tx: UnitOfWork) => Promise<T>): Promise<T> {
    return this.units.transaction(work);
  }

  /** {@inheritDoc Store.read} */
  read<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.units.read(work);
  }

  /** {@inheritDoc Store.readiness} */
  async readiness(): Promise<StoreReadiness> {
    try {
      // Rewriting a row with its own value is a real write: it fails on a read-only server (a
      // standby, default_transaction_read_only) or one that cannot write.
      const r = await this.pool.query<{ version: number }>(`UPDATE deckhand_schema SET applied_at = applied_at WHERE track = 'store' RETURNING version`);
      const version = r.rows[0]?.version ?? 0;
      const latest = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]?.version ?? 0;
      return version >= latest ? { writable: true, migrated: true } : { writable: true, migrated: false, detail: `schema version ${version}, this build needs ${latest}` };
    } catch (err) {
      return { writable: false, migrated: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }

  /** {@inheritDoc Store.close} */
  async close(): Promise<void> {
    await this.units.close();
  }
}

/** Options of {@link openPostgresStore}. */
export type PostgresStoreOptions = PoolOptions;

/**
 * Connects to the database at `url` (postgres://USER:PASSWORD@HOST:PORT/DATABASE) and brings its
 * schema up to date. Errors name the database without its password.
 */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const pool = openPool(url, opts);
  try {
    await migrate(pool, [
      { track: 'store', migrations: PG_MIGRATIONS },
      { track: 'cluster', migrations: CLUSTER_MIGRATIONS },
    ]);
  } catch (err) {
    await pool.end().catch(() => {
      // The pool never worked; the error that matters is the one thrown below.
    });
    throw new Error(`opening the store ${redactUrl(url)} failed: ${(err as Error).message}`, { cause: err });
  }
  return new PostgresStore(pool, url);
}
