/**
 * `deckhand-agent local`: runs a revision's whole lifecycle on this host without a coordinator,
 * through the same lifecycle as `run` (runDeployment), with a journal under --root. Prints each
 * event as it runs, where the logs are, and a clear failure (event, code, message, log tail).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../../common/src/clock.ts';
import { createLogger } from '../../../common/src/logger.ts';
import { DeckhandError } from '../../../protocol/src/index.ts';
import { hostOs, type LocalCommand } from '../config/local-args.ts';
import { buildHookEnv, createHookRunner } from '../hooks/index.ts';
import { Journal } from '../journal/journal.ts';
import type { EventOutcome } from '../journal/types.ts';
import { deploymentDirOf } from '../lifecycle/context.ts';
import { runDeployment } from '../lifecycle/deployment.ts';
import type { LifecycleDeps, LifecycleObserver } from '../lifecycle/types.ts';
import type { CommandIo } from './appspec-validate.ts';
import { localCommandBody, localDeploymentId, LOCAL_GROUP_ID, resolveLocalRevision } from './local-revision.ts';
import { revisionOps } from './revision-wiring.ts';

/** Prints events as they run, and keeps the one that failed. */
class Printer implements LifecycleObserver {
  failed: { event: string; outcome: EventOutcome } | undefined;
  private startedAt = 0;

  constructor(private readonly io: CommandIo) {}

  eventStarted(event: string): void {
    this.startedAt = Date.now();
    this.io.out(`  ${event} ...`);
  }

  eventFinished(event: string, outcome: EventOutcome): void {
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    const note = outcome.status === 'Skipped' && outcome.message !== undefined ? ` (${outcome.message})` : '';
    this.io.out(`  ${event} ${outcome.status} in ${seconds} s${note}`);
    if (outcome.status === 'Failed') this.failed = { event, outcome };
  }
}

/** Runs the local deployment; resolves with the exit code (0 succeeded, 1 failed). */
export async function runLocal(cmd: LocalCommand, io: CommandIo): Promise<number> {
  const deploymentId = localDeploymentId();
  let revision;
  try {
    revision = await resolveLocalRevision(cmd, deploymentId);
  } catch (err) {
    if (!(err instanceof DeckhandError)) throw err;
    io.err(`error: ${err.message}`);
    return 1;
  }
  fs.mkdirSync(path.join(cmd.root, 'logs'), { recursive: true, mode: 0o700 });
  const journal = Journal.open(path.join(cmd.root, 'agent.db'));
  const logger = createLogger({ service: 'agent-local', console: 'off', file: path.join(cmd.root, 'logs', 'local.log') });
  try {
    const body = localCommandBody(cmd, deploymentId, revision);
    journal.recordCommand(body, systemClock.now());
    const deploymentDir = deploymentDirOf(cmd.root, LOCAL_GROUP_ID, deploymentId);
    io.out(`Deployment ${deploymentId} of ${cmd.bundleLocation} (${cmd.type}), group ${cmd.deploymentGroupName}`);
    io.out(`Running from ${deploymentDir}`);
    const printer = new Printer(io);
    const deps = localDeps(cmd, journal, logger, printer);
    const command = journal.getCommand(body.commandId);
    if (command === undefined) throw new Error('the local command was not journaled');
    const result = await runDeployment(deps, command, new AbortController().signal);
    const logFile = path.join(deploymentDir, 'logs', 'scripts.log');
    if (result === 'Succeeded') {
      io.out(`Deployment ${deploymentId} succeeded. Script output: ${logFile}`);
      return 0;
    }
    printFailure(io, printer.failed, logFile);
    return 1;
  } finally {
    journal.close();
    logger.end();
  }
}

/** The lifecycle deps of a local run: the agent's own parts, no coordinator. */
function localDeps(cmd: LocalCommand, journal: Journal, logger: LifecycleDeps['logger'], printer: Printer): LifecycleDeps {
  return {
    clock: systemClock,
    logger,
    journal,
    hooks: createHookRunner({ clock: systemClock }),
    revision: revisionOps(),
    buildEnv: buildHookEnv,
    coordinator: { url: '', sign: () => ({}) },
    instanceId: `local-${os.hostname()}`,
    root: cmd.root,
    ...(cmd.destRoot === undefined ? {} : { destRoot: cmd.destRoot }),
    ...(cmd.events === undefined ? {} : { events: new Set(cmd.events) }),
    os: hostOs(),
    observer: printer,
  };
}

function printFailure(io: CommandIo, failed: Printer['failed'], logFile: string): void {
  if (failed === undefined) {
    io.err(`Deployment failed before any event ran. See ${logFile}`);
    return;
  }
  const { event, outcome } = failed;
  io.err(`Deployment failed at ${event}: ${outcome.errorCode ?? 'UnknownError'}`);
  if (outcome.scriptName !== undefined) io.err(`  script: ${outcome.scriptName}`);
  if (outcome.message !== undefined) io.err(`  ${outcome.message.split('\n').join('\n  ')}`);
  if (outcome.logTail !== undefined && outcome.logTail !== '') {
    io.err('  last output:');
    io.err(outcome.logTail.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
  }
  io.err(`See the deployment log at ${logFile}`);
}
