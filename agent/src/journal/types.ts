/** Row shapes the journal reads and writes, in camelCase. */
import type { PinnedCa } from '../../../common/src/tls-trust.ts';
import type { ErrorCode } from '../../../protocol/src/errors.ts';
import type { CommandBody } from '../../../protocol/src/messages.ts';
import type { Tags } from '../../../protocol/src/schemas.ts';

/** Who this host is, as registered with the coordinator. */
export interface StoredIdentity {
  instanceId: string;
  coordinatorUrl: string;
  /** Every coordinator the agent may use, in order (several sharing one store); absent: coordinatorUrl alone. */
  coordinatorUrls?: string[];
  hostname: string;
  tags: Tags;
  /** ISO timestamp. */
  registeredAt: string;
  /** The coordinator's CA pinned at registration; absent: the system's CAs are trusted. */
  pinnedCa?: PinnedCa;
}

/** A public key the coordinator signs commands with (Ed25519, SPKI PEM). */
export interface CoordinatorKey {
  keyId: string;
  publicKey: string;
}

/** received: journaled and acked; running: its deployment started; done: final outcome journaled. */
export type CommandState = 'received' | 'running' | 'done';

export interface StoredCommand {
  commandId: string;
  deploymentId: string;
  body: CommandBody;
  receivedAt: string;
  state: CommandState;
}

export type DeploymentRowStatus = 'running' | 'Succeeded' | 'Failed';

export interface StoredDeployment {
  deploymentId: string;
  deploymentGroupId: string;
  commandId: string;
  status: DeploymentRowStatus;
  archiveDir: string;
  startedAt: string;
  endedAt?: string;
}

export interface StoredEvent {
  deploymentId: string;
  event: string;
  status: string;
  errorCode?: string;
  message?: string;
  scriptName?: string;
  startedAt: string;
  endedAt?: string;
  /** The script of the event that was started last (0-based). */
  scriptIndex?: number;
  hookPid?: number;
  /** The kernel's start time of `hookPid`. */
  hookStartTime?: string;
  /** ISO time at which the running script times out. */
  hookDeadline?: string;
  /** Set while a reboot asked for by script `scriptIndex` is pending: the boot id it was asked in. */
  rebootBootId?: string;
}

/** A script that started, as journaled before the agent waits for it. */
export interface ScriptStart {
  index: number;
  pid: number;
  startTime?: string;
  deadlineAt: Date;
}

/** Per deployment group: which deployment dirs ApplicationStop and friends read from. */
export interface GroupRevisions {
  deploymentGroupId: string;
  lastSuccessfulDir?: string;
  lastSuccessfulDeploymentId?: string;
  mostRecentDir?: string;
}

/** Identifies one lifecycle event of one deployment. */
export interface EventKey {
  commandId: string;
  deploymentId: string;
  event: string;
}

/** How one lifecycle event ended. */
export interface EventOutcome {
  status: 'Succeeded' | 'Failed' | 'Skipped';
  errorCode?: ErrorCode;
  message?: string;
  scriptName?: string;
  logTail?: string;
}

/** Pointer updates committed together with an event's outcome. */
export interface GroupUpdate {
  deploymentGroupId: string;
  /** Set when Install succeeds (CodeDeploy's `_last_successful_install`). */
  lastSuccessful?: { dir: string; deploymentId: string };
  /** Set when DownloadBundle succeeds (CodeDeploy's `_most_recent_install`). */
  mostRecentDir?: string;
}

/** The host's overall result of one deployment. */
export interface DeploymentOutcome {
  commandId: string;
  deploymentId: string;
  status: 'Succeeded' | 'Failed';
  errorCode?: ErrorCode;
  message?: string;
}
