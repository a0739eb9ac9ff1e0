/**
 * Read models of deployments for the HTTP API: the stored fields the views show, read in a few
 * statements whatever the fleet size (scheduler/views.ts turns them into protocol views).
 */
import type {
  AutoRollbackConfiguration,
  DeploymentStatus,
  FileExistsBehavior,
  InstanceStatus,
  LifecycleEventStatus,
} from '../../../../protocol/src/index.ts';
import type { RolloutRecord } from './deployments.ts';

/** Filters of {@link DeploymentViewRepository.list}; all optional, combined with AND. */
export interface DeploymentFilter {
  applicationName?: string;
  deploymentGroupName?: string;
  status?: string;
  /** At most this many. @default all */
  limit?: number;
  /** Only deployments listed after this one (newest first): the last of the previous page. */
  before?: { createdAt: string; deploymentId: string };
}

/** A deployment with the names of its application and group. */
export interface DeploymentRecord {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  revisionId: string;
  deploymentConfigName: string;
  status: DeploymentStatus;
  creator: string;
  fileExistsBehavior: FileExistsBehavior;
  ignoreApplicationStopFailures: boolean;
  description?: string;
  errorCode?: string;
  errorMessage?: string;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  updateOutdatedOnly: boolean;
  autoRollback?: AutoRollbackConfiguration;
  rollbackOf?: string;
  rollbackDeploymentId?: string;
  rollbackMessage?: string;
  rollout: RolloutRecord;
}

/** One host of a deployment, with its hostname ('' once the instance is gone). */
export interface TargetRecord {
  instanceId: string;
  hostname: string;
  status: InstanceStatus;
  batch?: number;
  step: number;
  segment: string | null;
  updatedAt?: string;
  errorCode?: string;
  message?: string;
}

/** One lifecycle event of one host. */
export interface EventRecord {
  instanceId: string;
  event: string;
  status: LifecycleEventStatus;
  errorCode?: string;
  scriptName?: string;
  message?: string;
  logTail?: string;
  startedAt?: string;
  endedAt?: string;
  /** The time the agent gave, when it was outside the allowed clock skew and the times above were clamped. */
  agentAt?: string;
}

/** One lifecycle event of one host as the dashboard's grid shows it: no texts, a duration. */
export interface EventCellRecord {
  instanceId: string;
  event: string;
  status: LifecycleEventStatus;
  errorCode?: string;
  /** End minus start, ms; absent until the event has both. */
  durationMs?: number;
}

/** A window of a deployment's targets in the order they are taken, optionally of one status. */
export interface TargetWindow {
  /** Only targets in this status; absent: every target. */
  status?: InstanceStatus;
  /** Targets skipped from the first. */
  offset: number;
  /** At most this many. */
  limit: number;
}

/** Where one target stands among a deployment's targets, in the order they are taken. */
export interface TargetPlace {
  status: InstanceStatus;
  /** Targets taken before it. */
  before: number;
  /** Targets in its status taken before it. */
  beforeInStatus: number;
}

/** Reads deployments as the API shows them. */
export interface DeploymentViewRepository {
  /** The deployment, or undefined. */
  deployment(deploymentId: string): Promise<DeploymentRecord | undefined>;
  /** Deployments matching `filter`, newest first. */
  list(filter: DeploymentFilter): Promise<DeploymentRecord[]>;
  /** The deployment's targets in the order they are taken. */
  targets(deploymentId: string): Promise<TargetRecord[]>;
  /** The deployment's lifecycle events, by host, in lifecycle order. */
  events(deploymentId: string): Promise<EventRecord[]>;
  /**
   * The deployment's lifecycle events reduced to what the dashboard's grid shows, in no order:
   * a fraction of {@link events}' cost at 10,000 hosts (no messages, log tails or sort); with
   * `instanceIds`, only those hosts' events.
   */
  eventCells(deploymentId: string, instanceIds?: readonly string[]): Promise<EventCellRecord[]>;
  /** A window of the deployment's targets (the dashboard's page), from an index whatever the fleet size when filtered by status. */
  targetWindow(deploymentId: string, window: TargetWindow): Promise<TargetRecord[]>;
  /** Where the target of `instanceId` stands in the deployment; undefined when it has none. */
  targetPlace(deploymentId: string, instanceId: string): Promise<TargetPlace | undefined>;
  /** How many of the deployment's targets are in each status (statuses without any left out). */
  countTargets(deploymentId: string): Promise<Map<InstanceStatus, number>>;
}
