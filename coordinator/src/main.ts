/**
 * The coordinator's composition root: parses the command line, opens the store, builds the hub,
 * scheduler and HTTP API, listens, and shuts everything down on SIGTERM/SIGINT.
 */
import { renameSync, mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { systemClock } from '../../common/src/clock.ts';
import { newSecret } from '../../common/src/ids.ts';
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
import { Hub } from './hub/index.ts';
import { startLogRetention } from './logs/retention.ts';
import { WebhookNotifier } from './notify/webhooks.ts';
import { CoordinatorMetrics, timeTransactions } from './notify/metrics.ts';
import { keysList, keysRotate, tlsFingerprint } from './commands/maintenance.ts';
import { ringSigner } from './signing/frame-signer.ts';
import { KeyRing } from './signing/keyring.ts';
import { fingerprintLine, prepareTls, type TlsServing } from './tls/serve.ts';
import { CheckEvaluator } from './health/checks.ts';
import { HealthMonitor } from './health/monitor.ts';
import { Scheduler } from './scheduler/index.ts';
import { preflightDeployment } from './scheduler/preflight.ts';
import { openSqliteStore } from './store/sqlite/store.ts';
import type { Store } from './store/store.ts';

/** Lets the log file flush (bounded by a short timeout), then exits. */
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
  retention: { stop(): void };
  webhooks: WebhookNotifier;
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
    r.retention.stop();
    await r.webhooks.stop();
    await r.app.close();
    await r.store.close();
    r.logger.info('coordinator stopped');
    exitAfterFlush(r.logger, 0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void shutdown(signal).catch((err: unknown) => fatal(r.logger, 'shutdown failed', err)));
  }
}

async function start(config: CoordinatorConfig): Promise<void> {
  mkdirSync(path.join(config.dataDir, 'logs'), { recursive: true });
  const logger = createLogger({ service: 'coordinator', level: config.logLevel, file: path.join(config.dataDir, 'logs', 'coordinator.log') });
  process.on('uncaughtException', (err) => fatal(logger, 'uncaught exception', err));
  process.on('unhandledRejection', (err) => fatal(logger, 'unhandled rejection', err));
  const store = openSqliteStore(path.join(config.dataDir, 'coordinator.db'));
  const tokenHasher = makeTokenHasher(loadTokenKey(config.dataDir));
  await showAdminTokenOnce(store, tokenHasher);
  const clock = systemClock;
  const artifacts = new ArtifactStore({ root: path.join(config.dataDir, 'artifacts'), maxBytes: config.maxBundleBytes });
  // One nonce cache for WebSocket upgrades and bundle downloads, so a nonce is single-use across both.
  const nonces = new NonceCache(store.nonces);
  const tls = await prepareTls(config, logger);
  const signer = ringSigner(KeyRing.open(config.dataDir), () => clock.now());
  const check = clientCertificateCheck(config);
  // Hub and API are built after it: it reads their counts only when scraped.
  let connected = (): number => 0;
  const metrics = new CoordinatorMetrics(store, () => connected());
  timeTransactions(store, metrics.storeTransactions);
  const hub = new Hub({
    store,
    clock,
    logger,
    nonces,
    logLimits: { maxBytesPerDeployment: config.logMaxBytes },
    metrics,
    signer,
    ...(check ? { checkClientCertificate: check } : {}),
    ...(config.heartbeatMs === undefined ? {} : { heartbeatMs: config.heartbeatMs }),
  });
  const scheduler = new Scheduler({ store, clock, logger, hub });
  hub.attach(scheduler);
  await scheduler.start();
  const monitor = new HealthMonitor({
    store,
    sink: scheduler,
    clock,
    logger,
    evaluator: new CheckEvaluator(),
    ...(config.alarmPollMs === undefined ? {} : { alarmPollMs: config.alarmPollMs }),
    ...(config.alertmanagerUrl === undefined ? {} : { alertmanagerUrl: config.alertmanagerUrl }),
  });
  monitor.start();
  const logSettings = { maxBytesPerDeployment: config.logMaxBytes, days: config.logRetentionDays };
  connected = () => hub.connectedCount();
  const webhooks = new WebhookNotifier({ store, clock, logger, onFailure: () => metrics.webhookFailure() });
  const app = buildApi({
    store,
    clock,
    logger,
    artifacts,
    scheduler: deploymentService(store, scheduler, hub),
    hub,
    nonces,
    logFeed: hub.feed,
    logSettings,
    wakeWebhooks: () => webhooks.wake(),
    metrics,
    ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
    tokenHasher,
    coordinatorKeys: () => signer.published(),
    ...(tls.https ? { https: tls.https } : {}),
    ...(tls.caSha256 && tls.caPem ? { autoCa: { pem: tls.caPem, sha256: tls.caSha256 } } : {}),
    ...(check ? { agentClientCertificate: check } : {}),
    ...(config.alertmanagerUrl === undefined ? {} : { alertmanager: true }),
  });
  reloadOnHangup(app, tls, logger);
  const retention = startLogRetention({ store, clock, logger, days: config.logRetentionDays });
  webhooks.start();
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => routeUpgrade(hub, req, socket, head));
  // Before announcing the address: whoever reads it may signal us at once.
  handleSignals({ logger, hub, scheduler, monitor, app, store, retention, webhooks });
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

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write(`${DECKHAND_VERSION}\n`);
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
