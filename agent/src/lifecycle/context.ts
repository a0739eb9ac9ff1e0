/** Everything one deployment's steps share: its spec, its directories, its logger and signal. */
import path from 'node:path';
import type { Logger } from '../../../common/src/logger.ts';
import type { DeploySpec } from '../../../protocol/src/schemas.ts';
import type { AppSpec } from '../appspec/types.ts';
import type { ResumePoint } from '../hooks/types.ts';
import { DEFAULT_TRANSITIONS, transitionTable, type TransitionTable } from './transitions.ts';
import type { LifecycleDeps } from './types.ts';

export interface DeploymentContext {
  deps: LifecycleDeps;
  commandId: string;
  spec: DeploySpec;
  /** `<root>/deployments/<groupId>/<deploymentId>` */
  deploymentDir: string;
  /** `<deploymentDir>/deployment-archive`; a retry that starts late uses its failed deployment's. */
  archiveDir: string;
  /** `<deploymentDir>/bundle.<type>` */
  bundleFile: string;
  /** `<deploymentDir>/logs/scripts.log` */
  logFile: string;
  /** `<deploymentDir>/status` */
  statusDir: string;
  log: Logger;
  /** Which event follows which: the deployment's event order. */
  transitions: TransitionTable;
  /** Aborting stops the deployment and kills its running hook (cancel). */
  signal: AbortSignal;
  /** Aborting stops waiting and leaves the running hook alive for the next agent (agent stopping). */
  detach: AbortSignal;
  /** The current revision's appspec, once loaded. */
  appSpec?: AppSpec;
  /** Where the interrupted event resumes (after an agent restart or a reboot); consumed by its first run. */
  resume?: { event: string; point: ResumePoint };
  /** DownloadBundle or Install failed for a full disk: the deployment gives its space back at its end (space.ts). */
  diskFull?: true;
  /** A retry that starts at a later event, with `archiveDir` the failed deployment's (start-at.ts). */
  startAt?: { event: string; fromDeploymentId: string };
}

/** `<root>/deployments/<groupId>/<deploymentId>`. */
export function deploymentDirOf(root: string, deploymentGroupId: string, deploymentId: string): string {
  return path.join(root, 'deployments', deploymentGroupId, deploymentId);
}

/** The archive directory inside a deployment directory. */
export function archiveDirOf(deploymentDir: string): string {
  return path.join(deploymentDir, 'deployment-archive');
}

/**
 * The deployment's event order: the command's own (traffic control, blue/green fleets), else a
 * local run's, else CodeDeploy's default.
 */
function transitionsOf(spec: DeploySpec, deps: LifecycleDeps): TransitionTable {
  if (spec.events !== undefined) return transitionTable(spec.events);
  return deps.eventOrder === undefined ? DEFAULT_TRANSITIONS : transitionTable(deps.eventOrder);
}

/** Builds the context of one deployment. */
export function createContext(
  deps: LifecycleDeps,
  commandId: string,
  spec: DeploySpec,
  signal: AbortSignal,
  detach: AbortSignal = new AbortController().signal,
): DeploymentContext {
  const deploymentDir = deploymentDirOf(deps.root, spec.deploymentGroupId, spec.deploymentId);
  return {
    deps,
    commandId,
    spec,
    deploymentDir,
    archiveDir: archiveDirOf(deploymentDir),
    bundleFile: path.join(deploymentDir, `bundle.${spec.revision.bundleType}`),
    logFile: path.join(deploymentDir, 'logs', 'scripts.log'),
    statusDir: path.join(deploymentDir, 'status'),
    log: deps.logger.child({ component: 'lifecycle', instanceId: deps.instanceId, deploymentId: spec.deploymentId }),
    transitions: transitionsOf(spec, deps),
    signal,
    detach,
  };
}
