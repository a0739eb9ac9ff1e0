/**
 * deckhand-agent: the composition root. Parses the command line, builds the concrete parts
 * (journal, key, hook runner, revision modules, transport) and wires them; nothing else in the
 * agent constructs implementations.
 */
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock, sleep } from '../../common/src/clock.ts';
import { closeLogger, createLogger, type Logger } from '../../common/src/logger.ts';
import { DeckhandError, hasErrorCode } from '../../protocol/src/errors.ts';
import type { PreflightResultBody } from '../../protocol/src/messages.ts';
import { appSpecValidate } from './commands/appspec-validate.ts';
import { runLocal } from './commands/local.ts';
import { runPreflight } from './commands/preflight.ts';
import { revisionOps } from './commands/revision-wiring.ts';
import { parseAgentArgs, UsageError, type RegisterCommand, type RunCommand } from './config/cli.ts';
import { ConfigFileError } from './config/file.ts';
import { loadSettingsFile, readClientCertificate, runStartup, settingsForLog } from './config/startup.ts';
import type { ClientCertificate } from './transport/coordinator-http.ts';
import { applyProxySettings } from '../../common/src/proxy.ts';
import type { RunSettings } from './config/run-settings.ts';
import { configWriteCommand } from './commands/config-write.ts';
import { selfCheckCommand } from './commands/self-check.ts';
import { deregisterCommand } from './commands/deregister.ts';
import { upgradeCheckCommand } from './commands/upgrade-check.ts';
import { buildHookEnv, createHookRunner } from './hooks/index.ts';
import { loadIdentityKey } from './identity/keys.ts';
import { registerInstance } from './identity/register.ts';
import { signRequest } from './identity/sign.ts';
import { currentAgent } from './util/agent-child.ts';
import { basicInventory } from './inventory/basic.ts';
import { INVENTORY_COMMAND, inventoryCommand, inventoryInChild } from './inventory/child.ts';
import { InventoryRefresher } from './inventory/refresh.ts';
import { Journal } from './journal/journal.ts';
import { lockRoot, type RootLock } from './journal/root-lock.ts';
import { prepareRoot } from './journal/root-layout.ts';
import type { StoredIdentity } from './journal/types.ts';
import { DeploymentQueue } from './lifecycle/queue.ts';
import { currentBootId } from './lifecycle/reboot.ts';
import { interruptedDeployments, unstartedCommandIds } from './lifecycle/recovery.ts';
import { CommandDispatcher, type UnrunnableReport } from './transport/dispatch.ts';
import { RemotePreflight } from './preflight/remote.ts';
import { startRetentionJob, type RetentionJob } from './maintenance/job.ts';
import { NEXT_RUNS_COMMAND, nextRunsCommand, nextRunsInChild } from './maintenance/next-runs.ts';
import { CoordinatorUrls } from './transport/coordinator-urls.ts';
import { AgentLink } from './transport/link.ts';
import { LogShipping } from './logs/shipping.ts';
import { FrameGate } from './transport/frame-gate.ts';
import { AGENT_VERSION } from './version.ts';

/** Exit codes: 0 ok, 1 failure, 2 bad usage or unusable setup. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Longest wait for the first inventory before saying hello with the basic one. */
const FIRST_INVENTORY_WAIT_MS = 5000;

function fail(message: string, code: number): number {
  process.stderr.write(`deckhand-agent: ${message}\n`);
  return code;
}

/** Opens the journal in `root`, which {@link lockOrFail} created and locked. */
function openJournal(root: string): Journal {
  return Journal.open(path.join(root, 'agent.db'));
}

/**
 * Creates the root if needed with its modes (journal/root-layout.ts) and takes its lock (one
 * agent per root); an exit code when another agent holds it.
 */
function lockOrFail(root: string): RootLock | number {
  prepareRoot(root);
  try {
    return lockRoot(root);
  } catch (err) {
    if (err instanceof DeckhandError && err.code === 'AGENT_ROOT_LOCKED') return fail(err.message, EXIT.usage);
    throw err;
  }
}

/** The contents of `--ca-file`, or an exit code when it cannot be read (nothing written yet). */
function readCaFile(file: string | undefined): string | undefined | number {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`cannot read --ca-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, EXIT.usage);
  }
}

async function register(cmd: RegisterCommand): Promise<number> {
  const caPem = readCaFile(cmd.caFile);
  if (typeof caPem === 'number') return caPem;
  let clientCertificate: ClientCertificate | undefined;
  try {
    const settings = loadSettingsFile(cmd.configFile);
    applyProxySettings(process.env, settings.proxy, settings.noProxy);
    clientCertificate = readClientCertificate(settings);
  } catch (err) {
    if (err instanceof ConfigFileError) return fail(err.message, EXIT.usage);
    throw err;
  }
  const lock = lockOrFail(cmd.root);
  if (typeof lock === 'number') return lock;
  const journal = openJournal(cmd.root);
  try {
    const identity = await registerInstance({
      coordinatorUrl: cmd.coordinatorUrl,
      ...(cmd.coordinatorUrls ? { coordinatorUrls: cmd.coordinatorUrls } : {}),
      token: cmd.token,
      root: cmd.root,
      hostname: cmd.hostname ?? os.hostname(),
      tags: cmd.tags,
      journal,
      ...(cmd.caSha256 === undefined ? {} : { caSha256: cmd.caSha256 }),
      ...(caPem === undefined ? {} : { caPem, caSource: cmd.caFile ?? '--ca-file' }),
      ...(clientCertificate ? { clientCertificate } : {}),
    });
    process.stdout.write(cmd.json ? `${JSON.stringify({ instanceId: identity.instanceId })}\n` : `${identity.instanceId}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof DeckhandError) return fail(err.message, EXIT.failed);
    throw err;
  } finally {
    journal.close();
    lock.release();
  }
}

function installCrashHandlers(logger: Logger): void {
  const crash = (kind: string) => (err: unknown) => {
    logger.error('agent crashed', { kind, error: err instanceof Error ? err.message : String(err), stack: (err as Error)?.stack });
    // The service manager restarts us; recovery from the journal is how state is made whole.
    void closeLogger(logger).finally(() => process.exit(EXIT.failed));
  };
  process.on('uncaughtException', crash('uncaughtException'));
  process.on('unhandledRejection', crash('unhandledRejection'));
}

/** What `run` needs before it can wire anything: an open journal, a registered identity, its key. */
interface RunSetup {
  journal: Journal;
  identity: StoredIdentity;
  privateKey: KeyObject;
  /** The TLS client certificate for a coordinator that requires one. */
  clientCertificate?: ClientCertificate;
}

/** Opens the journal and loads the identity; an exit code when the host cannot run. */
function loadSetup(cmd: RunCommand): RunSetup | number {
  let journal: Journal;
  try {
    journal = openJournal(cmd.root);
  } catch (err) {
    if (hasErrorCode(err, 'JOURNAL_LOST')) return fail((err as DeckhandError).message, EXIT.usage);
    throw err;
  }
  let identity = journal.getIdentity();
  if (!identity) {
    journal.close();
    return fail('this host is not registered: run deckhand-agent register first', EXIT.usage);
  }
  if (cmd.coordinatorUrls) {
    const urls = cmd.coordinatorUrls.map((url) => url.replace(/\/+$/, ''));
    const bad = urls.find((url) => !/^https?:\/\/[^/]/.test(url));
    if (bad !== undefined) {
      journal.close();
      return fail(`--coordinator must be an http:// or https:// URL, got "${bad}"`, EXIT.usage);
    }
    journal.setCoordinatorUrls(urls);
    identity = journal.getIdentity()!;
  }
  try {
    const privateKey = loadIdentityKey(cmd.root);
    // A new epoch per run: what lets the coordinator tell this journal's history from another's.
    journal.outbox.openEpoch(new Date());
    return { journal, identity, privateKey };
  } catch (err) {
    journal.close();
    if (err instanceof DeckhandError) return fail(err.message, EXIT.usage);
    throw err;
  }
}

/** The running parts of an agent, started and stopped together. */
interface Agent {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds every concrete part and wires them; the only place that does. */
function wireAgent(cmd: RunSettings, setup: RunSetup, logger: Logger): Agent {
  const { journal, identity, privateKey } = setup;
  const clock = systemClock;
  const sign = (method: string, p: string) => signRequest({ instanceId: identity.instanceId, privateKey }, method, p, clock.now());
  const inventoryOpts = { root: cmd.root, agentVersion: AGENT_VERSION };
  const appSpec = cmd.yamlOctalModes === undefined ? {} : { appSpec: { yamlOctalModes: cmd.yamlOctalModes } };
  let link: AgentLink | undefined;
  const logs = new LogShipping({ clock, logger, cursors: journal.logCursors, send: (body) => link?.sendLog(body) ?? 'offline' });
  const refresher = new InventoryRefresher({
    clock,
    logger,
    collect: inventoryInChild(currentAgent(), inventoryOpts),
    publish: (inventory) => link?.sendInventory(inventory),
    initial: basicInventory(inventoryOpts),
  });
  const { clientCertificate } = setup;
  const trust = { ...(identity.pinnedCa ? { pinnedCa: identity.pinnedCa } : {}), ...(clientCertificate ? { clientCertificate } : {}) };
  const urls = new CoordinatorUrls(identity.coordinatorUrls ?? [identity.coordinatorUrl]);
  // A getter: downloads and preflights go to the coordinator the agent is connected to (or tries next).
  const coordinator = {
    get url(): string {
      return urls.current();
    },
    sign,
    ...trust,
  };
  // A command the host cannot carry out (its disk is full) fails at once at the coordinator, named.
  const unrunnable: UnrunnableReport = (ids, err) =>
    void link?.send('agent.command.refused', { frameType: 'coord.command', ...ids, errorCode: err.code, message: err.message.slice(0, 2048) });
  const queue = new DeploymentQueue({
    clock,
    logger,
    journal,
    unrunnable,
    hooks: createHookRunner({ clock }),
    revision: revisionOps({
      ...(cmd.downloadStallMs === undefined ? {} : { download: { stallMs: cmd.downloadStallMs } }),
      ...appSpec,
      trust: { keys: cmd.trustedKeys, counters: { highestCounter: (app) => journal.highestCounter(app), recordCounter: (app, n) => journal.recordCounter(app, n) } },
    }),
    buildEnv: buildHookEnv,
    coordinator,
    instanceId: identity.instanceId,
    root: cmd.root,
    ...(cmd.destRoot === undefined ? {} : { destRoot: cmd.destRoot }),
    os: process.platform === 'win32' ? 'windows' : 'linux',
    reporter: { outputWritten: (deploymentId) => logs.outputWritten(deploymentId) },
    reboot: { ...(cmd.rebootCommand === undefined ? {} : { command: cmd.rebootCommand }), bootId: () => currentBootId(cmd.bootIdFile) },
  });
  const ack = (commandId: string): void => void link?.send('agent.command.ack', { commandId });
  const dispatcher = new CommandDispatcher({ clock, logger, journal, queue, ack, unrunnable });
  const reply = (body: PreflightResultBody): boolean => link?.send('agent.preflight.result', body) ?? false;
  const preflight = new RemotePreflight({ logger, root: cmd.root, destRoot: cmd.destRoot, coordinator, reply, ...appSpec });
  const started = new AgentLink({
    clock,
    logger,
    coordinatorUrl: identity.coordinatorUrl,
    urls,
    ...trust,
    instanceId: identity.instanceId,
    agentVersion: AGENT_VERSION,
    sign,
    outbox: journal.outbox,
    inventory: () => refresher.current(),
    commands: dispatcher,
    preflight: (body) => preflight.onPreflight(body),
    logs,
    gate: new FrameGate({ instanceId: identity.instanceId, journal, logger, now: () => clock.now() }),
  });
  link = started;
  let retention: RetentionJob | undefined;
  return {
    async start() {
      // Continued first, in the order they started: they were running before anything queued.
      for (const commandId of interruptedDeployments(journal)) queue.resume(commandId);
      for (const commandId of unstartedCommandIds(journal)) queue.enqueue(commandId);
      await Promise.race([refresher.start(), sleep(clock, FIRST_INVENTORY_WAIT_MS)]);
      started.start();
      retention = startRetentionJob({ root: cmd.root, journal, logger, clock, nextRuns: nextRunsInChild(currentAgent()) });
    },
    async stop() {
      await retention?.stop();
      dispatcher.stop();
      refresher.stop();
      await queue.stop();
      await started.stop();
      logs.stop();
      journal.close();
    },
  };
}

/** Settings for `run`; an exit code when agent.yml (or a file it names) is bad: nothing has started. */
function runSettings(cmd: RunCommand): ReturnType<typeof runStartup> | number {
  try {
    return runStartup(cmd);
  } catch (err) {
    if (err instanceof ConfigFileError) return fail(err.message, EXIT.usage);
    throw err;
  }
}

/** Runs the agent until SIGTERM/SIGINT; resolves with the exit code. */
async function run(flags: RunCommand): Promise<number> {
  const startup = runSettings(flags);
  if (typeof startup === 'number') return startup;
  const cmd = startup.settings;
  // Held until the agent stops; the kernel releases it however else the agent ends.
  const lock = lockOrFail(cmd.root);
  if (typeof lock === 'number') return lock;
  const setup = loadSetup(cmd);
  if (typeof setup === 'number') return setup;
  fs.mkdirSync(path.join(cmd.root, 'logs'), { recursive: true, mode: 0o700 });
  const root = createLogger({ service: 'agent', level: cmd.logLevel, file: path.join(cmd.root, 'logs', 'agent.log'), ...cmd.log });
  installCrashHandlers(root);
  const logger = root.child({ instanceId: setup.identity.instanceId });
  logger.info('agent starting', {
    agentVersion: AGENT_VERSION,
    root: cmd.root,
    destRoot: cmd.destRoot,
    coordinatorUrl: setup.identity.coordinatorUrl,
    // The compiled settings, once (credentials in a proxy URL are not logged).
    settings: { ...settingsForLog(cmd), pinnedCa: setup.identity.pinnedCa?.sha256 },
  });
  const agent = wireAgent(cmd, { ...setup, ...(startup.clientCertificate ? { clientCertificate: startup.clientCertificate } : {}) }, logger);
  // A service lives until it is told to stop. Its own timers are unref'd, and while it is
  // disconnected and idle nothing else may hold the event loop (the inventory and the
  // maintenance schedule run in children now): this handle does, until shutdown.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  const stopped = new Promise<number>((resolve) => {
    const shutdown = (signal: string): void => {
      logger.info('agent stopping', { signal });
      clearInterval(keepAlive);
      void agent
        .stop()
        .then(() => logger.info('agent stopped'))
        .then(() => lock.release())
        .then(() => closeLogger(root))
        .then(() => resolve(EXIT.ok));
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  await agent.start();
  return stopped;
}

/** Runs one invocation of deckhand-agent; resolves with its exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return EXIT.ok;
  }
  // The installers' commands (issue 7) parse their own arguments.
  if (argv[0] === 'upgrade-check') return upgradeCheckCommand(argv.slice(1), systemClock);
  if (argv[0] === 'deregister') return deregisterCommand(argv.slice(1), systemClock);
  if (argv[0] === 'config-write') return configWriteCommand(argv.slice(1));
  if (argv[0] === 'self-check') return selfCheckCommand(COMMAND_IO.out, COMMAND_IO.err);
  // Run by the agent itself (maintenance/next-runs.ts), so node-cron never loads into the service.
  if (argv[0] === NEXT_RUNS_COMMAND) return nextRunsCommand(argv.slice(1), COMMAND_IO);
  // Likewise (inventory/child.ts), so systeminformation never loads into the service.
  if (argv[0] === INVENTORY_COMMAND) return inventoryCommand(argv.slice(1), COMMAND_IO);
  let cmd;
  try {
    cmd = parseAgentArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return fail(`${err.message} (see deckhand-agent --help)`, EXIT.usage);
    throw err;
  }
  switch (cmd.kind) {
    case 'help':
      process.stdout.write(`${cmd.text}\n`);
      return EXIT.ok;
    case 'version':
      process.stdout.write(`${AGENT_VERSION}\n`);
      return EXIT.ok;
    case 'register':
      return register(cmd);
    case 'run':
      return run(cmd);
    case 'appspec-validate':
      return appSpecValidate(cmd, COMMAND_IO);
    case 'local':
      return runLocal(cmd, COMMAND_IO);
    case 'preflight':
      return runPreflight(cmd, COMMAND_IO);
  }
}

/** Where the revision tools print. */
const COMMAND_IO = {
  out: (text: string) => void process.stdout.write(`${text}\n`),
  err: (text: string) => void process.stderr.write(`${text}\n`),
};

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.exit(fail(err instanceof Error ? err.message : String(err), EXIT.failed));
  },
);
