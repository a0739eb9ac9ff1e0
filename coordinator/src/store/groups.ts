/**
 * Deployment groups: a named set of instances (selected by tag filters or a tag set, plus
 * instances named explicitly) within an application, and how deployments to it behave.
 */
import type { AutoRollbackConfiguration, TagFilter, TagSet } from '../../../protocol/src/index.ts';

/** Settings of a group that have defaults (GROUP_DEFAULTS). */
export interface GroupSettings {
  /** Instance ids or hostnames in the group whatever their tags. */
  instanceNames: string[];
  /** How long a host taken while its agent is offline waits for it. */
  agentWaitSeconds: number;
  /** How long a running host may go without reporting (the hook timeout). */
  eventTimeoutSeconds: number;
  /** Hosts joining the group get its last successful revision. */
  autoDeployNewInstances: boolean;
}

/** What a caller supplies to create a group; settings left out take GROUP_DEFAULTS. */
export interface NewDeploymentGroup extends Partial<GroupSettings> {
  applicationId: string;
  name: string;
  tagFilters: TagFilter[];
  tagSet?: TagSet;
  deploymentConfigName: string;
  autoRollback?: AutoRollbackConfiguration;
  createdAt: string;
}

/** One stored deployment group. */
export type DeploymentGroupRow = Omit<NewDeploymentGroup, keyof GroupSettings> &
  GroupSettings & {
    deploymentGroupId: string;
    lastSuccessfulDeploymentId?: string;
  };

/** Defaults of the group settings, as in the CreateDeploymentGroupRequest schema. */
export const GROUP_DEFAULTS: Readonly<GroupSettings> = {
  instanceNames: [],
  agentWaitSeconds: 300,
  eventTimeoutSeconds: 3600,
  autoDeployNewInstances: true,
};

/** Settings of a group that can be changed after it was created; null removes an optional one. */
export interface GroupChanges {
  tagFilters?: TagFilter[];
  tagSet?: TagSet | null;
  instanceNames?: string[];
  deploymentConfigName?: string;
  autoRollback?: AutoRollbackConfiguration | null;
  agentWaitSeconds?: number;
  eventTimeoutSeconds?: number;
  autoDeployNewInstances?: boolean;
}

/** Reads and writes deployment groups. */
export interface DeploymentGroupRepository {
  /** Creates a group; rejects with CONFLICT when the application already has one of that name. */
  insert(input: NewDeploymentGroup): Promise<DeploymentGroupRow>;
  /** The group with this id, if any. */
  get(deploymentGroupId: string): Promise<DeploymentGroupRow | undefined>;
  /** The group of this application with this name, if any. */
  getByName(applicationId: string, name: string): Promise<DeploymentGroupRow | undefined>;
  /** Every group of an application, by name. */
  listOfApplication(applicationId: string): Promise<DeploymentGroupRow[]>;
  /** Every group of every application, oldest first. */
  listAll(): Promise<DeploymentGroupRow[]>;
  /** Records the deployment as the group's last successful one. */
  setLastSuccessfulDeployment(deploymentGroupId: string, deploymentId: string): Promise<void>;
  /** Changes the given settings; returns the group as it now is (NOT_FOUND when there is none). */
  update(deploymentGroupId: string, changes: GroupChanges): Promise<DeploymentGroupRow>;
  /**
   * Removes the group with the history of its deployments (targets, events, hook output). The
   * caller refuses while one of them is unfinished. Returns how many deployments went with it.
   */
  remove(deploymentGroupId: string): Promise<number>;
}
