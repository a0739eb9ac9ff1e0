/**
 * What health-gated rollouts store: health checks, a group's alarms and guard rail, a
 * deployment's alarm override, where its analysis stands, why it paused by itself, the bake an
 * operator set on it, and every result its checks gave. Kept beside the deployment rows (their
 * own tables) so the rollout's hot reads do not change.
 */
import type {
  AlarmConfiguration,
  AnalysisStatus,
  CheckType,
  CheckVerdict,
  HealthCheckSpec,
  InstanceStatus,
  LargeBlastRadius,
  RolloutOptions,
  StepKind,
  Tags,
} from '../../../protocol/src/index.ts';

/** One stored health check. */
export interface HealthCheckRow {
  name: string;
  type: CheckType;
  spec: HealthCheckSpec;
  createdAt: string;
  createdBy?: string;
}

/** A group's health settings. */
export interface GroupHealth {
  alarmConfiguration?: AlarmConfiguration;
  largeBlastRadius?: LargeBlastRadius;
}

/** A step's analysis as stored. */
export interface AnalysisRecord {
  step: number;
  status: AnalysisStatus;
  startedAt: string;
  message?: string;
}

/** A deployment's health settings and state. */
export interface DeploymentHealth {
  /** overrideAlarmConfiguration: instead of the group's alarms. */
  alarmOverride?: AlarmConfiguration;
  /** The deployment whose failed and skipped hosts this one retries. */
  retryOf?: string;
  /** The bake between the remaining steps, as an operator changed it. */
  bakeSeconds?: number;
  analysis?: AnalysisRecord;
  /** Why the deployment paused by itself. */
  pauseReason?: string;
}

/** One result of one check for one deployment. */
export interface HealthResult {
  at: string;
  check: string;
  purpose: 'alarm' | 'analysis';
  step?: number;
  verdict: CheckVerdict;
  value?: number;
  message: string;
  dryRun: boolean;
}

/** A running deployment the health monitor watches: its alarms, or its analysis. */
export interface MonitoredDeployment {
  deploymentId: string;
  deploymentGroupId: string;
  groupName: string;
  applicationName: string;
  creator: string;
  kind: StepKind;
  /** The group's alarms, or the deployment's override. */
  alarms?: AlarmConfiguration;
  analysis?: AnalysisRecord;
  /** The custom configuration's rollout options (analysis), if the deployment names one. */
  rollout?: RolloutOptions;
}

/** A host of a deployment, as check templates name it. */
export interface HealthHost {
  instanceId: string;
  hostname: string;
  /** The first address the agent reported, else undefined. */
  address?: string;
  tags: Tags;
  step: number;
  segment: string | null;
  status: InstanceStatus;
}

/** Which hosts of a deployment to read. */
export interface HostQuery {
  /** Only hosts of this step. */
  step?: number;
  statuses: readonly InstanceStatus[];
  /** At most this many, in the order they are taken. */
  limit?: number;
}

/** Reads and writes what health-gated rollouts store. */
export interface HealthRepository {
  /** Stores a check; rejects with CONFLICT when the name is taken. */
  insertCheck(row: HealthCheckRow): Promise<void>;
  getCheck(name: string): Promise<HealthCheckRow | undefined>;
  /** Every check, by name. */
  listChecks(): Promise<HealthCheckRow[]>;
  /** Removes a check; false when there was none. */
  deleteCheck(name: string): Promise<boolean>;
  /** Sets a group's health settings (undefined fields: none). */
  setGroupHealth(deploymentGroupId: string, settings: GroupHealth): Promise<void>;
  getGroupHealth(deploymentGroupId: string): Promise<GroupHealth>;
  /** Every group's alarm configuration, by group id (those that have one). */
  listGroupAlarms(): Promise<Map<string, AlarmConfiguration>>;
  /** Records a new deployment's override and retry link. */
  setDeploymentHealth(deploymentId: string, settings: Pick<DeploymentHealth, 'alarmOverride' | 'retryOf'>): Promise<void>;
  getDeploymentHealth(deploymentId: string): Promise<DeploymentHealth>;
  /** Starts, or moves, a deployment's analysis. */
  setAnalysis(deploymentId: string, analysis: AnalysisRecord): Promise<void>;
  /** Sets or clears why a deployment paused by itself. */
  setPauseReason(deploymentId: string, reason: string | undefined): Promise<void>;
  /** Sets the bake an operator chose for the rest of a deployment. */
  setBakeSeconds(deploymentId: string, seconds: number): Promise<void>;
  /** Appends results, in order. */
  appendResults(deploymentId: string, results: readonly HealthResult[]): Promise<void>;
  /** Every result of the deployment, oldest first (at most `limit`, the newest). */
  resultsOf(deploymentId: string, limit?: number): Promise<HealthResult[]>;
  /** The analysis measurements of one step, oldest first. */
  measurementsOf(deploymentId: string, step: number): Promise<HealthResult[]>;
  /** Running deployments with alarms or a running analysis. */
  monitored(): Promise<MonitoredDeployment[]>;
  /** Hosts of a deployment, in the order they are taken. */
  hostsOf(deploymentId: string, query: HostQuery): Promise<HealthHost[]>;
  /** Records the lifecycle event each retried host starts at (hosts not named start from the beginning). */
  setRetryStarts(deploymentId: string, starts: ReadonlyMap<string, string>): Promise<void>;
  /** The lifecycle event each retried host of a deployment starts at. */
  retryStartsOf(deploymentId: string): Promise<Map<string, string>>;
}
