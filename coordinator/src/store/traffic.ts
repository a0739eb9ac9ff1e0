/**
 * Traffic control as stored: each group's load balancer and deployment style, the traffic steps
 * of each deployment (what the coordinator did to the balancer for which host, and how it ended:
 * a result outlives a coordinator restart and is given again to an agent that asks again), the
 * balancer state each host was last left in, and where a blue/green deployment stands.
 */
import type {
  BalancerState,
  BlueGreenDeploymentConfiguration,
  DeploymentErrorCode,
  DeploymentStyle,
  ErrorCode,
  InstanceLabel,
  InstanceStatus,
  TrafficControl,
} from '../../../protocol/src/index.ts';

/** A group's traffic settings (all absent: no traffic control, in place). */
export interface GroupTraffic {
  trafficControl?: TrafficControl;
  deploymentStyle?: DeploymentStyle;
  blueGreen?: BlueGreenDeploymentConfiguration;
  /** Blue/green: the value of the fleet tag whose hosts serve now; undefined before the first. */
  liveFleet?: string;
}

/**
 * What the coordinator does to the balancer for one host of one deployment:
 * - BlockTraffic, AllowTraffic: the lifecycle events an agent waits for (hooks around them);
 * - PrepareGreen: a blue/green's replacement host taken out before anything is installed on it;
 * - DrainBlue: an original host taken out as traffic moves to the replacement ones;
 * - RestoreBlue, DrainGreen: traffic moved back (blue/green rollback);
 * - RestoreFailed: a failed host put back in (groups with keepFailedHostsOut false).
 */
export const TRAFFIC_OPS = ['BlockTraffic', 'AllowTraffic', 'PrepareGreen', 'DrainBlue', 'RestoreBlue', 'DrainGreen', 'RestoreFailed'] as const;
export type TrafficOp = (typeof TRAFFIC_OPS)[number];

/** True for the operations that take a host out (the others put it in). */
export function isBlockOp(op: TrafficOp): boolean {
  return op === 'BlockTraffic' || op === 'PrepareGreen' || op === 'DrainBlue' || op === 'DrainGreen';
}

/** How a traffic operation ended. */
export interface TrafficOutcome {
  status: 'Succeeded' | 'Failed' | 'Skipped';
  errorCode?: ErrorCode;
  message?: string;
}

/** One traffic operation of a deployment. */
export interface TrafficOpRow {
  deploymentId: string;
  instanceId: string;
  op: TrafficOp;
  status: 'Running' | TrafficOutcome['status'];
  errorCode?: ErrorCode;
  message?: string;
  startedAt: string;
  endedAt?: string;
}

/** Where a host was last left on its group's balancer. */
export interface HostTrafficRow {
  deploymentGroupId: string;
  instanceId: string;
  state: BalancerState;
  detail?: string;
  deploymentId?: string;
  updatedAt: string;
}

/** The phases of a blue/green deployment, in order (rollback only after a failure). */
export type BlueGreenPhase = 'prepare' | 'install' | 'switch' | 'wait' | 'blue' | 'rollback';

/** Where a blue/green deployment stands. */
export interface BlueGreenRecord {
  phase: BlueGreenPhase;
  /** The fleet tag, its value on the serving hosts (blue) and on the replacement ones (green). */
  fleetTag: string;
  blueFleet: string;
  greenFleet: string;
  /** Traffic step (switch phase), from 1. */
  step: number;
  /** The current step's interval or the termination wait ends then (the scheduler's bake timer wakes it). */
  until?: string;
  /** The cumulative share of green hosts serving after each step, in percent. */
  steps: { percent: number; intervalSeconds: number }[];
  /** Some traffic reached a green host: a failure moves it back. */
  trafficMoved: boolean;
  /** Why the deployment fails, once it does (rollback phase: after traffic moved back). */
  failure?: { code: DeploymentErrorCode; message: string };
  /** Set on retirement: run Retire on blue hosts. */
  retire: boolean;
}

/** Reads and writes traffic control. */
export interface TrafficRepository {
  /** The group's traffic settings. */
  groupTraffic(deploymentGroupId: string): Promise<GroupTraffic>;
  /** Replaces the group's traffic control, style and blue/green configuration (undefined removes one). */
  setGroupTraffic(deploymentGroupId: string, settings: Omit<GroupTraffic, 'liveFleet'>): Promise<void>;
  /** Records which fleet serves now (a blue/green deployment succeeded). */
  setLiveFleet(deploymentGroupId: string, fleet: string): Promise<void>;
  /** Starts an operation: true when it was not there yet (a finished or running one is left alone). */
  startOp(deploymentId: string, instanceId: string, op: TrafficOp, at: string): Promise<boolean>;
  /** Ends a running operation. */
  finishOp(deploymentId: string, instanceId: string, op: TrafficOp, outcome: TrafficOutcome, at: string): Promise<void>;
  /** One operation, if it was started. */
  getOp(deploymentId: string, instanceId: string, op: TrafficOp): Promise<TrafficOpRow | undefined>;
  /** Every operation of a deployment. */
  opsOf(deploymentId: string): Promise<TrafficOpRow[]>;
  /** Operations still running (of deployments of any status): to carry on after a restart. */
  runningOps(): Promise<TrafficOpRow[]>;
  /** Records where a host was left on its group's balancer. */
  setHostState(row: HostTrafficRow): Promise<void>;
  /** Where each host of the group was last left. */
  hostStatesOfGroup(deploymentGroupId: string): Promise<HostTrafficRow[]>;
  /** The blue/green state of a deployment; undefined for an in-place one. */
  blueGreenOf(deploymentId: string): Promise<BlueGreenRecord | undefined>;
  /** Stores the blue/green state of a deployment. */
  putBlueGreen(deploymentId: string, record: BlueGreenRecord): Promise<void>;
  /** The fleet label of each host of a blue/green deployment. */
  labelsOf(deploymentId: string): Promise<Map<string, InstanceLabel>>;
  /** One host's target of a deployment as traffic steps need it, if there is one. */
  targetOf(deploymentId: string, instanceId: string): Promise<TrafficTarget | undefined>;
}

/** A host's target as traffic steps need it. */
export interface TrafficTarget {
  deploymentGroupId: string;
  status: InstanceStatus;
  commandId?: string;
  label?: InstanceLabel;
}
