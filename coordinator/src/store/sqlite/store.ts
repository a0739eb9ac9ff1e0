/**
 * The SQLite implementation of the coordinator's store (store.ts): the synchronous functions of
 * this folder, each bound to the one connection and offered as the async repository method of
 * the same meaning. Calls on the store take their turn with units of work (unit-of-work.ts);
 * calls on a unit of work's `tx` run in that unit's transaction.
 */
import type { Repositories, Store, StoreReadiness, UnitOfWork } from '../store.ts';
import * as applications from './applications.ts';
import * as configs from './configs.ts';
import { openDatabase, type Db } from './db.ts';
import * as commands from './deployments/commands.ts';
import * as deployments from './deployments/deployments.ts';
import * as intake from './deployments/intake.ts';
import * as resize from './deployments/resize.ts';
import * as rollout from './deployments/rollout.ts';
import * as targets from './deployments/targets.ts';
import * as views from './deployments/views.ts';
import * as fleet from './fleet.ts';
import * as groups from './groups.ts';
import * as instances from './instances.ts';
import * as logs from './logs.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';
import * as revisions from './revisions.ts';
import * as tokens from './tokens.ts';
import * as traffic from './traffic.ts';
import * as webhooks from './webhooks.ts';
import * as stats from './stats.ts';
import * as audit from './audit.ts';
import * as health from './health.ts';
import * as nonces from './nonces.ts';
import { settle, SqliteUnitsOfWork } from './unit-of-work.ts';

/** A function of this folder: the connection first, then the repository method's arguments. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the binding is checked against the contract by `satisfies`.
type SyncFn = (db: Db, ...args: any[]) => unknown;

/** The async repository made of synchronous functions. */
type Bound<M extends Record<string, SyncFn>> = {
  [K in keyof M]: M[K] extends (db: Db, ...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

/** How a bound call runs: in its own turn (the store) or in the caller's transaction (a `tx`). */
type Runner = <T>(work: () => T) => Promise<T>;

function bind<M extends Record<string, SyncFn>>(db: Db, fns: M, run: Runner): Bound<M> {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(fns)) out[name] = (...args: unknown[]) => run(() => fn(db, ...args));
  return out as Bound<M>;
}

/** Every repository over `db`, each call run by `run`. */
function repositories(db: Db, run: Runner): Repositories {
  return {
    applications: bind(db, {
      insert: applications.insertApplication,
      get: applications.getApplication,
      getByName: applications.getApplicationByName,
      list: applications.listApplications,
      remove: fleet.removeApplication,
    }, run),
    configs: bind(db, {
      insert: configs.insertDeploymentConfig,
      get: configs.getDeploymentConfig,
      list: configs.listDeploymentConfigs,
      usage: fleet.deploymentConfigUsage,
      remove: fleet.removeDeploymentConfig,
    }, run),
    groups: bind(db, {
      insert: groups.insertDeploymentGroup,
      get: groups.getDeploymentGroup,
      getByName: groups.getDeploymentGroupByName,
      listOfApplication: groups.listDeploymentGroups,
      listAll: groups.listAllDeploymentGroups,
      setLastSuccessfulDeployment: groups.setLastSuccessfulDeployment,
      update: fleet.updateDeploymentGroup,
      remove: fleet.removeDeploymentGroup,
    }, run),
    revisions: bind(db, {
      insert: revisions.insertRevision,
      get: revisions.getRevision,
      list: revisions.listRevisions,
      usage: fleet.revisionUsage,
      remove: fleet.removeRevision,
      setSignature: revisions.setRevisionSignature,
    }, run),
    instances: bind(db, {
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
    }, run),
    tokens: bind(db, {
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
    }, run),
    audit: bind(db, { last: audit.lastAuditRecord, insert: audit.insertAuditRecord, list: audit.listAuditRecords }, run),
    nonces: bind(db, { use: nonces.useNonce, prune: nonces.pruneNonces }, run),
    deployments: bind(db, {
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
    }, run),
    targets: bind(db, {
      insert: targets.insertTargets,
      nextPendingBatch: targets.nextPendingBatch,
      markDispatched: targets.markDispatched,
      markWaiting: targets.markWaiting,
      skipPending: targets.skipPendingTargets,
      fail: targets.failTarget,
      recordAgentEvent: intake.recordAgentEvent,
      recordAgentEvents: intake.recordAgentEvents,
      acknowledgeCommand: targets.acknowledgeCommand,
      acknowledgeCommands: targets.acknowledgeCommands,
      unackedOf: targets.unackedCommandsOf,
      wasCommanded: targets.wasCommanded,
      unacked: targets.unackedTargets,
      expired: targets.expiredTargets,
      liveOf: targets.liveTargetsOf,
      runningOf: targets.runningTargetsOf,
      waitingOf: targets.waitingTargetsOf,
      earliestDeadline: targets.earliestDeadline,
      deferDeadlinesUntil: targets.deferDeadlinesUntil,
      outcomesInGroup: targets.outcomesInGroup,
      markReady: targets.markReady,
      release: targets.releaseReady,
      isComingTo: targets.isComingTo,
      unfinishedDeploymentsOf: targets.unfinishedDeploymentsOf,
    }, run),
    deploymentViews: bind(db, {
      deployment: views.deploymentRecord,
      list: views.listDeploymentRecords,
      targets: views.targetRecords,
      events: views.eventRecords,
      eventCells: views.eventCellRecords,
      countTargets: views.countTargets,
      targetWindow: views.targetWindow,
      targetPlace: views.targetPlace,
    }, run),
    traffic: bind(db, {
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
    }, run),
    health: bind(db, {
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
    }, run),
    logs: bind(db, {
      append: logs.appendLogLines,
      read: logs.readLogLines,
      cutStreams: logs.cutLogStreams,
      summary: logs.deploymentLogSummary,
      expire: logs.expireLogLines,
    }, run),
    webhooks: bind(db, {
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
    }, run),
    stats: bind(db, { fleetCounts: stats.fleetCounts }, run),
  } satisfies Repositories;
}

/** The coordinator's store on one SQLite database. */
export class SqliteStore implements Store {
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
  readonly health: Repositories['health'];
  readonly logs: Repositories['logs'];
  readonly webhooks: Repositories['webhooks'];
  readonly stats: Repositories['stats'];
  /**
   * {@inheritDoc Store.burstFrames} A unit of work holds the event loop from its first statement
   * to its commit: 500 frames (about 70 ms of a loaded 2-core machine at 10,000 hosts) kept the
   * dashboard and the API answering during a 10,000-host rollout (issue 19).
   */
  readonly burstFrames = 500;
  private readonly units: SqliteUnitsOfWork;
  /** The repositories as a unit of work sees them: each call joins the open transaction. */
  private readonly tx: UnitOfWork;

  /** Takes over `db` (closed by {@link close}). */
  constructor(readonly db: Db) {
    this.units = new SqliteUnitsOfWork(db);
    // Each call on the store itself is a unit of work of its own, taking its turn.
    const own = repositories(db, (work) => this.units.call(work));
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
    this.health = own.health;
    this.logs = own.logs;
    this.webhooks = own.webhooks;
    this.stats = own.stats;
    this.tx = { ...repositories(db, settle), savepoint: (work) => this.units.savepoint(work) };
  }

  /** {@inheritDoc Store.open} */
  get open(): boolean {
    return this.db.open;
  }

  /** {@inheritDoc Store.transaction} */
  transaction<T>(work: (tx: UnitOfWork) => Promise<T>): Promise<T> {
    return this.units.transaction(() => work(this.tx));
  }

  /** {@inheritDoc Store.read} */
  read<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.units.read(() => work(this.tx));
  }

  /** {@inheritDoc Store.readiness} */
  async readiness(): Promise<StoreReadiness> {
    try {
      return await this.units.transaction(async () => {
        const version = this.db.pragma('user_version', { simple: true }) as number;
        // Rewriting the header's own value is a real write: it fails on a read-only or full disk.
        this.db.pragma(`user_version = ${version}`);
        const latest = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
        return version >= latest ? { writable: true, migrated: true } : { writable: true, migrated: false, detail: `schema version ${version}, this build needs ${latest}` };
      });
    } catch (err) {
      return { writable: false, migrated: false, detail: err instanceof Error ? err.message : String(err) };
    }
  }

  /** {@inheritDoc Store.close} */
  async close(): Promise<void> {
    await this.units.idle();
    if (this.db.open) this.db.close();
  }
}

/**
 * Opens (creating if needed) the SQLite store at `file` (':memory:' for one in memory) and
 * brings its schema up to date.
 */
export function openSqliteStore(file: string, migrations?: readonly Migration[]): SqliteStore {
  return new SqliteStore(migrations === undefined ? openDatabase(file) : openDatabase(file, migrations));
}
