/**
 * Deployments as stored: the row of each deployment, where its rollout stands, and what its
 * commands carry. Status changes take the status they change from, so a write based on a stale
 * read changes nothing (and says so) instead of overwriting a newer status.
 */
import type {
  AutoRollbackConfiguration,
  BundleType,
  DeploymentErrorCode,
  DeploymentStatus,
  FileExistsBehavior,
  ExternalRevisionLocation,
  RevisionSignature,
  RolloutState,
  StepKind,
} from '../../../../protocol/src/index.ts';

import type { DeploymentConfigRow } from '../configs.ts';

/** A stored deployment, as the scheduler needs it. */
export interface DeploymentRow {
  deploymentId: string;
  applicationId: string;
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  status: DeploymentStatus;
  creator: string;
  fileExistsBehavior: FileExistsBehavior;
  ignoreApplicationStopFailures: boolean;
  updateOutdatedOnly: boolean;
  /** The deployment's own override; undefined means the group's configuration. */
  autoRollback?: AutoRollbackConfiguration;
  /** Explicit hosts; undefined means the group's members when it starts. */
  targetInstances?: string[];
  rollbackOf?: string;
}

/** What a new deployment row holds. */
export interface DeploymentInsert {
  deploymentId: string;
  applicationId: string;
  deploymentGroupId: string;
  revisionId: string;
  deploymentConfigName: string;
  creator: string;
  fileExistsBehavior: FileExistsBehavior;
  ignoreApplicationStopFailures: boolean;
  parameters: Record<string, string>;
  description?: string;
  updateOutdatedOnly?: boolean;
  autoRollback?: AutoRollbackConfiguration;
  targetInstances?: readonly string[];
  rollbackOf?: string;
  /** The deployment's own approval setting; undefined: its configuration's. */
  requireApproval?: boolean;
  createdAt: string;
}

/** Where a deployment's rollout stands, as stored (RolloutState without the derived waitingFor). */
export interface RolloutRecord {
  kind: StepKind;
  /** The current step, from 1. */
  step: number;
  steps: number;
  paused: boolean;
  /** The next step starts no host before this instant. */
  bakeUntil?: string;
  approval: RolloutState['approval'];
  approvedBy?: string;
  approvedAt?: string;
  /** The deployment's own approval setting; undefined: its configuration's. */
  requireApproval?: boolean;
}

/** One step's target counts (failed: Failed, Skipped or Unknown) and the segment it deploys. */
export interface StepCounts {
  total: number;
  pending: number;
  /** InProgress or WaitingForAgent. */
  inFlight: number;
  succeeded: number;
  failed: number;
  segment: string | null;
}

/** Everything the rollout decision reads about a deployment, read at once. */
export interface RolloutRead {
  deployment: DeploymentRow;
  /** The custom configuration the deployment names, if it names one (built-ins are not stored). */
  config?: DeploymentConfigRow;
  rollout: RolloutRecord;
  /** One entry per planned step (rollout.steps of them), step 1 first. */
  steps: StepCounts[];
}

/** How a starting deployment's hosts are split into steps, in the order they are taken. */
export interface StepAssignment {
  kind: StepKind;
  /** Hosts in the order they are taken; the first sizes[0] form step 1, and so on. */
  instanceIds: readonly string[];
  sizes: readonly number[];
  /** The segment of each step (segment plans). */
  segments?: readonly (string | null)[];
  requireApproval: boolean;
}

/** Moving into a later step: the gates it starts with. */
export interface StepGates {
  step: number;
  bakeUntil?: string;
  approval: RolloutState['approval'];
}

/** What a deployment's coord.command carries, read from the deployment, its group, application and revision. */
export interface CommandSpec {
  deploymentId: string;
  deploymentGroupId: string;
  deploymentGroupName: string;
  applicationName: string;
  fileExistsBehavior: FileExistsBehavior;
  ignoreApplicationStopFailures: boolean;
  parameters: Record<string, string>;
  revision: {
    revisionId: string;
    sha256?: string;
    bundleType: BundleType;
    size: number;
    signature?: RevisionSignature;
    /** Where agents fetch an external revision; absent: the coordinator. */
    location?: ExternalRevisionLocation;
  };
}

/** What dispatching hosts of a deployment needs: its command, and its group's deadlines. */
export interface DispatchSpec {
  command: CommandSpec;
  /** How long a running host may stay silent (the hook timeout). */
  eventTimeoutSeconds: number;
  /** How long a host taken while its agent is offline waits for it. */
  agentWaitSeconds: number;
}

/** How a deployment ended badly. */
export interface DeploymentError {
  code: DeploymentErrorCode;
  message: string;
}

/** Reads and writes deployments (the per-host rows are TargetRepository's). */
export interface DeploymentRepository {
  /** The deployment, or undefined. */
  get(deploymentId: string): Promise<DeploymentRow | undefined>;
  /** Every deployment with the given status, oldest first. */
  listByStatus(status: DeploymentStatus): Promise<DeploymentRow[]>;
  /** The id of the group's oldest unfinished deployment (running or queued), if any. */
  activeOfGroup(deploymentGroupId: string): Promise<string | undefined>;
  /** The id of the deployment running on the group, if any (queued ones do not count). */
  runningOfGroup(deploymentGroupId: string): Promise<string | undefined>;
  /** The oldest deployment queued behind the group's running one, if any. */
  nextQueuedOfGroup(deploymentGroupId: string): Promise<string | undefined>;
  /** The explicit hosts of each deployment queued on the group; undefined: the whole group. */
  queuedTargetsOfGroup(deploymentGroupId: string): Promise<(string[] | undefined)[]>;
  /** The group's latest Failed or Stopped deployment without a rollback, created since `sinceDeploymentId` (if given). */
  latestUnsuccessfulOfGroup(deploymentGroupId: string, sinceDeploymentId: string | undefined): Promise<string | undefined>;
  /** Stores a deployment in status Created or Queued. */
  insert(d: DeploymentInsert, status: 'Created' | 'Queued'): Promise<void>;
  /** Sets the deployment InProgress with its start time if it is still `from`; false when it is not. */
  markStarted(deploymentId: string, from: DeploymentStatus, at: string): Promise<boolean>;
  /** Ends the deployment (with its error on failure or stop) if it is still `from`; false when it is not. */
  markCompleted(deploymentId: string, from: DeploymentStatus, status: 'Succeeded' | 'Failed' | 'Stopped', at: string, error?: DeploymentError): Promise<boolean>;
  /** Links a deployment to the rollback it triggered (or says why there is none). */
  setRollbackInfo(deploymentId: string, info: { rollbackDeploymentId?: string; message: string }): Promise<void>;
  /** The stored parameters of a deployment (to copy them into a rollback). */
  parametersOf(deploymentId: string): Promise<Record<string, string>>;
  /** What the deployment's commands carry; undefined if the deployment is gone. */
  commandSpec(deploymentId: string): Promise<CommandSpec | undefined>;
  /** What dispatching its hosts needs, in one read; undefined if the deployment is gone. */
  dispatchSpec(deploymentId: string): Promise<DispatchSpec | undefined>;
  /** The event timeout (seconds) of the deployment's group; undefined if the deployment is gone. */
  eventTimeoutOf(deploymentId: string): Promise<number | undefined>;
  /** The deployment's rollout columns, or undefined when there is no such deployment. */
  readRollout(deploymentId: string): Promise<RolloutRecord | undefined>;
  /** The deployment, its rollout and every step's counts, or undefined when there is none. */
  readForDecision(deploymentId: string): Promise<RolloutRead | undefined>;
  /** Writes each target's step (and segment) and the deployment's step count; after TargetRepository.insert. */
  storeSteps(deploymentId: string, steps: StepAssignment): Promise<void>;
  /** Moves the deployment into a later step with the gates it starts with. */
  enterStep(deploymentId: string, gates: StepGates): Promise<void>;
  /** Pauses or resumes new hosts of the deployment. */
  setPaused(deploymentId: string, paused: boolean): Promise<void>;
  /** Records the approval of the deployment's gate. */
  approve(deploymentId: string, who: string, at: string): Promise<void>;
  /** Ids of running deployments (of those `among`, when given) whose bake is over at `at`. */
  bakesOverAt(at: string, among?: readonly string[]): Promise<string[]>;
  /** Clears the deployment's bake deadline (its bake is over). */
  endBake(deploymentId: string): Promise<void>;
  /**
   * Splits the hosts not taken yet (Pending, in the current step and later) into steps of
   * `batchSize`, after the current step's started hosts; the rollout becomes a batch list.
   * Returns the new number of steps.
   */
  resizeRemaining(deploymentId: string, currentStep: number, batchSize: number): Promise<number>;
}
