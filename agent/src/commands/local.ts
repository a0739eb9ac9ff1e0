/**
 * `deckhand-agent local`: runs a revision's lifecycle on this host without a coordinator, as
 * codedeploy-local does, through the same lifecycle as `run` (runDeployment), with a journal under
 * --root. The events are codedeploy-local's (local-events.ts); what is printed is local-report.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../../common/src/clock.ts';
import { createLogger } from '../../../common/src/logger.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { hostOs, type LocalCommand } from '../config/local-args.ts';
import { buildHookEnv, createHookRunner } from '../hooks/index.ts';
import { Journal } from '../journal/journal.ts';
import { prepareRoot } from '../journal/root-layout.ts';
import { deploymentDirOf } from '../lifecycle/context.ts';
import { runDeployment } from '../lifecycle/deployment.ts';
import type { LifecycleDeps } from '../lifecycle/types.ts';
import type { CommandIo } from './appspec-validate.ts';
import { localEventOrder } from './local-events.ts';
import { LocalPrinter, printRefusal } from './local-report.ts';
import { localCommandBody, localDeploymentId, resolveLocalRevision } from './local-revision.ts';
import { revisionOps } from './revision-wiring.ts';

/** Runs the local deployment; resolves with the exit code (0 succeeded, 1 failed or refused). */
export async function runLocal(cmd: LocalCommand, io: CommandIo): Promise<number> {
  const deploymentId = localDeploymentId();
  let order;
  let revision;
  try {
    order = localEventOrder(cmd.events);
    revision = await resolveLocalRevision(cmd, deploymentId);
  } catch (err) {
    if (!(err instanceof DeckhandError)) throw err;
    printRefusal(io, cmd.json, err.code, err.message);
    return 1;
  }
  prepareRoot(cmd.root);
  fs.mkdirSync(path.join(cmd.root, 'logs'), { recursive: true, mode: 0o700 });
  const journal = Journal.open(path.join(cmd.root, 'agent.db'));
  const logger = createLogger({ service: 'agent-local', console: 'off', file: path.join(cmd.root, 'logs', 'local.log') });
  try {
    const body = localCommandBody(cmd, deploymentId, revision);
    journal.recordCommand(body, systemClock.now());
    const deploymentDir = deploymentDirOf(cmd.root, cmd.deploymentGroupId, deploymentId);
    const printer = new LocalPrinter(io, cmd.json);
    printer.progress(`Deployment ${deploymentId} of ${cmd.bundleLocation} (${cmd.type}), group ${cmd.deploymentGroupName} (${cmd.deploymentGroupId})`);
    printer.progress(`Starting to execute deployment from within folder ${deploymentDir}`);
    const command = journal.getCommand(body.commandId);
    if (command === undefined) throw new Error('the local command was not journaled');
    const result = await runDeployment(localDeps(cmd, order, journal, logger, printer), command, new AbortController().signal);
    const status = result === 'Succeeded' ? 'Succeeded' : 'Failed';
    const failed = printer.failed();
    const logFile = path.join(deploymentDir, 'logs', 'scripts.log');
    const common = { deploymentId, status, deploymentGroupId: cmd.deploymentGroupId, deploymentDir, logFile, events: printer.events } as const;
    printer.finish(failed === undefined ? common : { ...common, failed });
    return status === 'Succeeded' ? 0 : 1;
  } finally {
    journal.close();
    logger.end();
  }
}

/** The lifecycle deps of a local run: the agent's own parts, no coordinator. */
function localDeps(cmd: LocalCommand, order: string[], journal: Journal, logger: LifecycleDeps['logger'], printer: LocalPrinter): LifecycleDeps {
  const appSpec = { yamlOctalModes: cmd.yamlOctalModes, ...(cmd.appSpecFileName === undefined ? {} : { fileName: cmd.appSpecFileName }) };
  return {
    clock: systemClock,
    logger,
    journal,
    hooks: createHookRunner({ clock: systemClock }),
    revision: revisionOps({ appSpec }),
    buildEnv: buildHookEnv,
    coordinator: { url: '', sign: () => ({}) },
    instanceId: `local-${os.hostname()}`,
    root: cmd.root,
    ...(cmd.destRoot === undefined ? {} : { destRoot: cmd.destRoot }),
    eventOrder: order,
    os: hostOs(),
    observer: printer,
  };
}
