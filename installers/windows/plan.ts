/**
 * Where the Windows agent goes and how its service is defined: everything install.ps1 needs,
 * computed here so it can be tested on Linux. install.ps1 only downloads, unpacks, calls this,
 * and runs the service commands it returns.
 *
 *   %ProgramFiles%\Deckhand\                     deckhand-agent.exe (WinSW) and deckhand-agent.xml
 *   %ProgramFiles%\Deckhand\releases\<id>\       one unpacked agent package per installed version
 *   %ProgramData%\Deckhand\                      the agent's --root: agent.db, identity\, deployments\
 *   %ProgramData%\Deckhand\logs\                 agent.log and WinSW's service logs
 */
import { AGENT_NODE_FLAGS } from '../../common/src/agent-process.ts';
import path from 'node:path';
import { DeckhandError } from '../../protocol/src/index.ts';
import { renderWinswXml, type ServiceDefinition } from './winsw.ts';

/** The service's name for the SCM, sc.exe and WinSW. */
export const SERVICE_NAME = 'deckhand-agent';

/** Restart 5 s, 30 s, then every 2 min after a failure; forget failures after an hour without. */
export const RESTART_DELAYS_SECONDS = [5, 30, 120] as const;
export const RESET_FAILURE_SECONDS = 3600;
export const STOP_TIMEOUT_SECONDS = 60;

/** Inputs of {@link windowsInstallPlan}, from the host's environment. */
export interface WindowsPlanInput {
  /** %ProgramFiles%, e.g. `C:\Program Files`. */
  programFiles: string;
  /** %ProgramData%, e.g. `C:\ProgramData`. */
  programData: string;
  /** Absolute path of a node.exe (Node.js 20 or later) to use instead of the package's runtime. */
  nodeExe?: string;
  /** The release folder's name: the first 12 hex digits of the package's sha256. */
  releaseId: string;
}

/** Everything install.ps1 creates, writes and runs. */
export interface WindowsPlan {
  serviceName: string;
  /** The node.exe the service runs: the release's runtime, or --node's. */
  nodeExe: string;
  installDir: string;
  releaseDir: string;
  agentScript: string;
  stateDir: string;
  logDir: string;
  winswExe: string;
  serviceXmlPath: string;
  serviceXml: string;
  /** sc.exe argument lists applied after `deckhand-agent.exe install`: SCM recovery actions. */
  recovery: string[][];
}

const WINDOWS_ABSOLUTE = /^(?:[A-Za-z]:\\|\\\\[^\\]+\\[^\\]+)/;

function absolute(value: string, field: string): string {
  if (!WINDOWS_ABSOLUTE.test(value) || /["\r\n\0]/.test(value)) {
    throw new DeckhandError('VALIDATION_FAILED', `${field} must be an absolute Windows path, got "${value}"`);
  }
  return value.replace(/\\+$/, '');
}

/** The SCM recovery settings, on top of WinSW's own (see windows/README.md). */
export function recoveryCommands(): string[][] {
  const actions = RESTART_DELAYS_SECONDS.map((s) => `restart/${s * 1000}`).join('/');
  return [
    ['failure', SERVICE_NAME, 'reset=', String(RESET_FAILURE_SECONDS), 'actions=', actions],
    // Also treat a non-zero exit without a crash as a failure, so recovery applies to it too.
    ['failureflag', SERVICE_NAME, '1'],
  ];
}

/** The service definition for an agent installed by `input`, run by `nodeExe`. */
export function serviceDefinition(nodeExe: string, agentScript: string, stateDir: string, logDir: string): ServiceDefinition {
  return {
    id: SERVICE_NAME,
    displayName: 'Deckhand agent',
    description: 'Carries out Deckhand deployments on this host.',
    nodeExe,
    nodeArgs: AGENT_NODE_FLAGS,
    agentScript,
    stateDir,
    logDir,
    restarts: RESTART_DELAYS_SECONDS.map((delaySeconds) => ({ delaySeconds })),
    resetFailureSeconds: RESET_FAILURE_SECONDS,
    stopTimeoutSeconds: STOP_TIMEOUT_SECONDS,
    env: {},
  };
}

/** Computes the plan; throws VALIDATION_FAILED naming the bad input. */
export function windowsInstallPlan(input: WindowsPlanInput): WindowsPlan {
  const programFiles = absolute(input.programFiles, '--program-files');
  const programData = absolute(input.programData, '--program-data');
  if (!/^[0-9a-f]{12}$/.test(input.releaseId)) {
    throw new DeckhandError('VALIDATION_FAILED', `--release-id must be 12 lowercase hex digits, got "${input.releaseId}"`);
  }
  const installDir = path.win32.join(programFiles, 'Deckhand');
  const releaseDir = path.win32.join(installDir, 'releases', input.releaseId);
  const agentScript = path.win32.join(releaseDir, 'bin', 'deckhand-agent.js');
  // The package carries its Node.js (installers/package/stage.ts puts it at runtime\node.exe).
  const nodeExe = input.nodeExe === undefined ? path.win32.join(releaseDir, 'runtime', 'node.exe') : absolute(input.nodeExe, '--node');
  const stateDir = path.win32.join(programData, 'Deckhand');
  const logDir = path.win32.join(stateDir, 'logs');
  const def = serviceDefinition(nodeExe, agentScript, stateDir, logDir);
  return {
    serviceName: SERVICE_NAME,
    nodeExe,
    installDir,
    releaseDir,
    agentScript,
    stateDir,
    logDir,
    winswExe: path.win32.join(installDir, `${SERVICE_NAME}.exe`),
    serviceXmlPath: path.win32.join(installDir, `${SERVICE_NAME}.xml`),
    serviceXml: renderWinswXml(def),
    recovery: recoveryCommands(),
  };
}
