/**
 * The coordinator's composition root: parses the command line, opens the store, builds the hub,
 * scheduler and HTTP API, listens, and shuts everything down on SIGTERM/SIGINT.
 */
import { existsSync, renameSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../common/src/clock.ts';
import { newId, newSecret } from '../../common/src/ids.ts';
import { closeLogger, createLogger, type Logger } from '../../common/src/logger.ts';
import { DECKHAND_VERSION } from '../../common/src/version.ts';
import { AGENT_CONNECT_PATH } from '../../protocol/src/index.ts';
import { buildApi } from './api/app.ts';
import type { DeploymentService } from './api/deps.ts';
import { ArtifactStore } from './artifacts/store.ts';
import { ensureAdminToken } from './auth/admin-token.ts';
import { loadTokenKey, tokenHasher as makeTokenHasher, type TokenHasher } from './auth/token-hash.ts';
import { NonceCache } from './auth/agent-auth.ts';
import { parseCoordinatorArgs, USAGE, UsageError, type CoordinatorConfig } from './config/args.ts';
import { ConnectionGuard, edgeServerOptions, guardServer } from './edge/index.ts';
import { Hub } from './hub/index.ts';
import { startLogRetention } from './logs/retention.ts';
import { WebhookNotifier } from './notify/webhooks.ts';
import { CoordinatorMetrics, timeTransactions } from './notify/metrics.ts';
import { EdgeMetrics } from './edge/metrics.ts';
import { keysList, keysRotate, tlsFingerprint, type Printed } from './commands/maintenance.ts';
import { ringSigner } from './signing/frame-signer.ts';
import { KeyRing } from './signing/keyring.ts';
import { fingerprintLine, prepareTls, type TlsServing } from './tls/serve.ts';
import { CheckEvaluator } from './health/checks.ts';
import { HealthMonitor } from './health/monitor.ts';
import { Scheduler } from './scheduler/index.ts';
import { preflightDeployment } from './scheduler/preflight.ts';
import { ClusterNode } from './cluster/node.ts';
import { migrationBlocker, migrationReport, nodesReport } from './commands/store.ts';
import { migrateStore } from './store/migrate-store.ts';
import { redactUrl } from './store/postgres/db.ts';
import { openPostgresStore, type PostgresStore } from './store/postgres/store.ts';
import { readiness } from './api/readiness.ts';
import { TrafficService } from './traffic/service.ts';
import { backupReport, restoreReport, storeCommandFailed } from './commands/backup.ts';
import { isBackupCommand, parseBackupArgs, type BackupCommand } from './config/backup-args.ts';
import { backupStore, restoreStore, StoreCommandError } from './store/sqlite/backup.ts';
import { openGuardedSqliteStore, StoreRefused } from './store/sqlite/guard.ts';
import type { Store } from './store/store.ts';

/** Lets the log file flush (bounded by a short timeout), then exits. */
/** The built dashboard (npm run build): dist/web beside dist/bin, from the binary, a chunk of it, or the sources. */
function dashboardDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, '..', 'web'), path.join(here, '..', '..', 'web'), path.join(here, '..', '..', 'dist', 'web')];
  return candidates.find((d) => existsSync(path.join(d, 'index.html'))) ?? (candidates[0] as string);
}

function exitAfterFlush(logger: Logger, code: number): void {
  process.exitCode = code;
  void closeLogger(logger, 1000).finally(() => process.exit(code));
}

/** Logs a fatal error and exits 1: the service manager restarts us in a known state. */
function fatal(logger: Logger, message: string, err: unknown): void {
  logger.error(message, { err });
  exitAfterFlush(logger, 1);
}

async function showAdminTokenOnce(store: Store, hasher: TokenHasher): Promise<void> {
  const envToken = process.env['DECKHAND_ADMIN_TOKEN'];
  const generated = await ensureAdminToken(store, hasher, {
    ...(envToken ? { envToken } : {}),
    createdAt: systemClock.now().toISOString(),
    generate: () => newSecret('dh'),
  });
  if (generated !== undefined) process.stdout.write(`admin token: ${generated}\n`);
}

function deploymentService(store: Store, scheduler: Scheduler, hub: Hub): DeploymentService {
  return {
    createDeployment: (input) => scheduler.createDeployment(input),
    // Through the scheduler: its clock (the injected one) decides whether a bake still runs.
    getDeploymentView: (id) => scheduler.getDeploymentView(id),
    getDeploymentSummary: (id) => scheduler.getDeploymentSummary(id),
    listDeploymentSummaries: (filter) => scheduler.listDeploymentSummaries(filter),
    stopDeployment: (id, autoRollbackEnabled) => scheduler.stopDeployment(id, autoRollbackEnabled),
    rollbackGroup: (groupId, opts) => scheduler.rollbackGroup(groupId, opts),
    retryFailed: (id, opts) => scheduler.retryFailed(id, opts),
    promoteDeployment: (id, who) => scheduler.promoteDeployment(id, who),
    changeRollout: (id, change, who) => scheduler.changeRollout(id, change, who),
    planDeployment: (query) => scheduler.planDeployment(query),
    preflightDeployment: (query) => preflightDeployment(store, query, hub),
    pauseDeployment: (id, who) => scheduler.pauseDeployment(id, who),
    resumeDeployment: (id, who) => scheduler.resumeDeployment(id, who),
    approveDeployment: (id, who) => scheduler.approveDeployment(id, who),
    instanceChanged: (instanceId) => scheduler.instanceChanged(instanceId),
  };
}

/** Hands agent upgrades to the hub; any other upgrade is refused. */
function routeUpgrade(hub: Hub, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const pathname = (req.url ?? '/').split('?')[0];
  if (pathname === AGENT_CONNECT_PATH) {
    hub.handleUpgrade(req, socket, head);
    return;
  }
  socket.on('error', () => {
    // The peer may hang up first; there is nothing left to tell it.
  });
  socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
}

function urlOf(address: AddressInfo, scheme: 'http' | 'https'): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}

/** With --client-ca: an agent connection must present a client certificate signed by that CA. */
function clientCertificateCheck(config: CoordinatorConfig): ((req: IncomingMessage) => string | undefined) | undefined {
  if (config.clientCa === undefined) return undefined;
  return (req) => {
    const socket = req.socket as TLSSocket;
    if (socket.authorized) return undefined;
    return `a client certificate signed by the coordinator's --client-ca is required (${String(socket.authorizationError ?? 'none presented')})`;
  };
}

/** SIGHUP: reads the operator's certificate again and serves it to new connections; open ones stay. */
function reloadOnHangup(app: ReturnType<typeof buildApi>, tls: TlsServing, logger: Logger): void {
  const reload = tls.reload;
  if (!reload) return;
  process.on('SIGHUP', () => {
    reload().then(
      (context) => {
        (app.server as unknown as HttpsServer).setSecureContext({ ...tls.https, ...context });
        logger.info('TLS certificate reloaded');
      },
      (err: unknown) => logger.error('TLS certificate not reloaded; the previous one is still served', { err }),
    );
  });
}

/** Everything start() builds, for an orderly shutdown. */
interface Running {
  logger: Logger;
  hub: Hub;
  scheduler: Scheduler;
  monitor: HealthMonitor;
  app: ReturnType<typeof buildApi>;
  store: Store;
  traffic: TrafficService;
  node: ClusterNode | undefined;
  retention: { stop(): void };
  /** Stops the edge's probe timer. */
  stopEdge: () => void;
  webhooks: WebhookNotifier;
}

/**
 * Opens the store the configuration names: SQLite in the data dir (checked first; undefined when
 * refused), or a shared PostgreSQL database.
 */
async function openStore(config: CoordinatorConfig, logger: Logger): Promise<{ store: Store; shared?: PostgresStore } | undefined> {
  if (config.store.kind === 'sqlite') {
    const store = openCheckedStore(config, logger);
    return store && { store };
  }
  const log = logger.child({ component: 'store' });
  const shared = await openPostgresStore(config.store.url, { onError: (err) => log.warn('a database connection failed; it is replaced', { err: err.message }) });
  log.info('store opened', { store: shared.description });
  return { store: shared, shared };
}

/** This coordinator's place among those sharing `store`. */
function clusterNode(config: CoordinatorConfig, store: PostgresStore, hub: Hub, logger: Logger): ClusterNode {
  const leaseMs = config.cluster.leaseMs;
  return new ClusterNode({
    store,
    hub,
    clock: systemClock,
    logger,
    nodeId: newId('n'),
    name: config.cluster.nodeName ?? `${hostname()}:${config.port}`,
    ...(leaseMs === undefined ? {} : { timings: { leaseTtlMs: leaseMs, tickMs: Math.min(1000, Math.max(100, Math.floor(leaseMs / 5))) } }),
  });
}

/** Installs SIGTERM/SIGINT handlers that close everything once and exit 0. */
function handleSignals(r: Running): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    r.logger.info('coordinator stopping', { signal });
    // The hub goes first: open WebSockets would otherwise keep the HTTP server from closing.
    await r.hub.close();
    r.monitor.stop();
    r.scheduler.stop();
    await r.traffic.close();
    r.retention.stop();
    r.stopEdge();
    await r.webhooks.stop();
    // Its leases go at once: the other coordinators take its deployments over without waiting.
    await r.node?.stop(true);
    await r.app.close();
    await r.store.close();
    r.logger.info('coordinator stopped');
    exitAfterFlush(r.logger, 0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void shutdown(signal).catch((err: unknown) => fatal(r.logger, 'shutdown failed', err)));
  }
}

/** Where the SQLite store of a data directory lives. */
function storeFile(dataDir: string): string {
  return path.join(dataDir, 'coordinator.db');
}

/**
 * Opens the SQLite store after checking it (store/sqlite/guard.ts); a refused store ends the
 * process with exit code 78 (EX_CONFIG), which the systemd unit does not restart: starting again
 * would not mend it.
 */
function openCheckedStore(config: CoordinatorConfig, logger: Logger): Store | undefined {
  const file = storeFile(config.dataDir);
  try {
    const { store, notes } = openGuardedSqliteStore(file, {
      synchronous: config.storeSync === 'full' ? 'FULL' : 'NORMAL',
      ...(config.acceptNewStore ? { acceptNewStore: true } : {}),
      ...(config.skipStoreCheck ? { skipPageCheck: true } : {}),
    });
    logger.info('store opened', { event: 'store.opened', file, synchronous: config.storeSync, ...notes });
    return store;
  } catch (err) {
    if (!(err instanceof StoreRefused)) throw err;
    process.stderr.write(`deckhand-coordinator: ${err.message}\n`);
    logger.error('store refused', { event: 'store.refused', file, reason: err.reason, detail: err.message });
    exitAfterFlush(logger, 78);
    return undefined;
  }
}

async function start(config: CoordinatorConfig): Promise<void> {
  mkdirSync(path.join(config.dataDir, 'logs'), { recursive: true });
  const logger = createLogger({ service: 'coordinator', level: config.logLevel, file: path.join(config.dataDir, 'logs', 'coordinator.log') });
  process.on('uncaughtException', (err) => fatal(logger, 'uncaught exception', err));
  process.on('unhandledRejection', (err) => fatal(logger, 'unhandled rejection', err));
  const opened = await openStore(config, logger);
  if (opened === undefined) return;
  const { store, shared } = opened;
  const tokenHasher = makeTokenHasher(loadTokenKey(config.dataDir));
  await showAdminTokenOnce(store, tokenHasher);
  const clock = systemClock;
  const artifacts = new ArtifactStore({ root: config.artifactsDir ?? path.join(config.dataDir, 'artifacts'), maxBytes: config.maxBundleBytes });
  // One nonce cache for WebSocket upgrades and bundle downloads, so a nonce is single-use across both.
  const nonces = new NonceCache(store.nonces);
  const tls = await prepareTls(config, logger);
  const signer = ringSigner(KeyRing.open(config.dataDir), () => clock.now());
  const check = clientCertificateCheck(config);
  // Hub and API are built after it: it reads their counts only when scraped.
  let connected = (): number => 0;
  const metrics = new CoordinatorMetrics(store, () => connected());
  timeTransactions(store, metrics.storeTransactions);
  // Issue 14: connections that have not authenticated are capped, and descriptor exhaustion is loud.
  const edgeMetrics = new EdgeMetrics(metrics.registry, (): { open: number; unauthenticated: number } => guard.counts());
  const guard = new ConnectionGuard({ log: logger.child({ component: 'edge' }), clock, sink: edgeMetrics, ...(config.connectionLimits ? { limits: config.connectionLimits } : {}) });
  const hub = new Hub({
    store,
    clock,
    logger,
    nonces,
    logLimits: { maxBytesPerDeployment: config.logMaxBytes },
    metrics,
    signer,
    ...(check ? { checkClientCertificate: check } : {}),
    onAuthenticated: (req) => guard.authenticated(req.socket),
    ...(config.heartbeatMs === undefined ? {} : { heartbeatMs: config.heartbeatMs }),
  });
  const node = shared && clusterNode(config, shared, hub, logger);
  await node?.register();
  const scheduler = new Scheduler({ store, clock, logger, hub: node?.router ?? hub, ...(node ? { ownership: node.ownership } : {}) });
  const traffic = new TrafficService({
    store,
    clock,
    logger,
    hub,
    onSettled: (deploymentId) => scheduler.trafficSettled(deploymentId),
    onAnalysisFailed: (deploymentId, message) => scheduler.trafficAnalysisFailed(deploymentId, message),
    metrics,
  });
  hub.attach(scheduler);
  hub.attachTraffic(traffic);
  scheduler.attachTraffic(traffic);
  await scheduler.start();
  await traffic.resume();
  const monitor = new HealthMonitor({
    store,
    sink: scheduler,
    clock,
    logger,
    evaluator: new CheckEvaluator(),
    ...(config.alarmPollMs === undefined ? {} : { alarmPollMs: config.alarmPollMs }),
    ...(config.alertmanagerUrl === undefined ? {} : { alertmanagerUrl: config.alertmanagerUrl }),
    ...(node ? { owned: () => node.ownership.owned() } : {}),
  });
  monitor.start();
  node?.start(scheduler);
  const logSettings = { maxBytesPerDeployment: config.logMaxBytes, days: config.logRetentionDays };
  connected = () => hub.connectedCount();
  const webhooks = new WebhookNotifier({ store, clock, logger, onFailure: () => metrics.webhookFailure() });
  const app = buildApi({
    store,
    clock,
    logger,
    artifacts,
    scheduler: deploymentService(store, scheduler, hub),
    traffic,
    hub: node?.presence ?? hub,
    readiness: () => readiness(store, node),
    nonces,
    logFeed: hub.feed,
    logSettings,
    wakeWebhooks: () => webhooks.wake(),
    metrics,
    ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
    tokenHasher,
    coordinatorKeys: () => signer.published(),
    ...(tls.https ? { https: { ...tls.https, ...edgeServerOptions() } } : { http: edgeServerOptions() }),
    onAuthenticated: (socket) => guard.authenticated(socket),
    ...(tls.caSha256 && tls.caPem ? { autoCa: { pem: tls.caPem, sha256: tls.caSha256 } } : {}),
    ...(check ? { agentClientCertificate: check } : {}),
    ...(config.alertmanagerUrl === undefined ? {} : { alertmanager: true }),
    dashboardDir: dashboardDir(),
  });
  reloadOnHangup(app, tls, logger);
  const stopEdge = guardServer(app.server, { log: logger.child({ component: 'edge' }), clock, guard, sink: edgeMetrics });
  const retention = startLogRetention({ store, clock, logger, days: config.logRetentionDays });
  webhooks.start();
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => routeUpgrade(hub, req, socket, head));
  // Before announcing the address: whoever reads it may signal us at once.
  handleSignals({ logger, hub, scheduler, monitor, app, store, traffic, node, retention, webhooks, stopEdge });
  await app.listen({ host: config.host, port: config.port });
  const url = urlOf(app.server.address() as AddressInfo, tls.https ? 'https' : 'http');
  // Written aside and renamed, so a reader polling for the file never sees it half-written.
  const infoFile = path.join(config.dataDir, 'coordinator.json');
  writeFileSync(`${infoFile}.tmp`, JSON.stringify({ url, pid: process.pid, ...(tls.caSha256 ? { caSha256: tls.caSha256 } : {}) }) + '\n');
  renameSync(`${infoFile}.tmp`, infoFile);
  process.stdout.write(`Deckhand coordinator listening on ${url}\n`);
  if (tls.caSha256) process.stdout.write(`${fingerprintLine(tls.caSha256)}\n`);
  logger.info('coordinator listening', { url, dataDir: config.dataDir, ...(tls.caSha256 ? { caSha256: tls.caSha256 } : {}) });
}

/** `backup` and `restore` (store/sqlite/backup.ts), as printed lines. */
async function runBackupCommand(command: BackupCommand): Promise<Printed> {
  try {
    if (command.kind === 'backup') return backupReport(await backupStore(storeFile(command.dataDir), command.to));
    return restoreReport(await restoreStore(command.from, storeFile(command.dataDir)));
  } catch (err) {
    if (!(err instanceof StoreCommandError)) throw err;
    return storeCommandFailed(command.kind, err.message);
  }
}

function print(printed: Printed): void {
  for (const line of printed.out) process.stdout.write(`${line}\n`);
  for (const line of printed.err) process.stderr.write(`deckhand-coordinator: ${line}\n`);
  process.exitCode = printed.code;
}

/** `migrate-store`: refuses while the SQLite coordinator runs; errors name the database without its password. */
async function migrate(dataDir: string, url: string): Promise<Printed> {
  const blocker = migrationBlocker(dataDir);
  if (blocker) return { out: [], err: [blocker], code: 1 };
  try {
    return migrationReport(await migrateStore(path.join(dataDir, 'coordinator.db'), url), redactUrl(url));
  } catch (err) {
    return { out: [], err: [`migrate-store failed: ${(err as Error).message}`], code: 1 };
  }
}

/** `nodes`. */
async function listNodes(url: string, json: boolean): Promise<Printed> {
  let store: PostgresStore | undefined;
  try {
    store = await openPostgresStore(url, { max: 1 });
    return nodesReport(await store.cluster.listNodes(), json);
  } catch (err) {
    return { out: [], err: [`nodes failed: ${(err as Error).message}`], code: 1 };
  } finally {
    await store?.close();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write(`${DECKHAND_VERSION}\n`);
    return;
  }
  if (isBackupCommand(argv)) {
    let command;
    try {
      command = parseBackupArgs(argv);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`deckhand-coordinator: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    print(await runBackupCommand(command));
    return;
  }
  let command;
  try {
    command = parseCoordinatorArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`deckhand-coordinator: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command.kind === 'migrate-store' || command.kind === 'nodes') {
    print(command.kind === 'nodes' ? await listNodes(command.store, command.json) : await migrate(command.from, command.to));
    return;
  }
  if (command.kind !== 'start') {
    const printed =
      command.kind === 'tls-fingerprint' ? tlsFingerprint(command.dataDir) : command.kind === 'keys-list' ? keysList(command.dataDir) : keysRotate(command.dataDir, command.graceMs);
    for (const line of printed.out) process.stdout.write(`${line}\n`);
    for (const line of printed.err) process.stderr.write(`deckhand-coordinator: ${line}\n`);
    process.exitCode = printed.code;
    return;
  }
  await start(command.config);
}

await main(process.argv.slice(2));
