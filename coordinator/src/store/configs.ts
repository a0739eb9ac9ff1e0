/**
 * Custom deployment configurations (the built-in ones are the scheduler's policy).
 */
import type { MinimumHealthyHosts, RolloutOptions } from '../../../protocol/src/index.ts';

/** One stored custom configuration. */
export interface DeploymentConfigRow {
  name: string;
  minimumHealthyHosts: MinimumHealthyHosts;
  /** Batches, segments, bake and approval; empty for a plain minimum-healthy configuration. */
  rollout: RolloutOptions;
  createdAt: string;
}

/** What {@link DeploymentConfigRepository.insert} takes: rollout options are optional. */
export type NewDeploymentConfig = Omit<DeploymentConfigRow, 'rollout'> & { rollout?: RolloutOptions };

/** What uses a configuration. */
export interface ConfigUsage {
  /** `application/group` of every group whose default it is. */
  groups: string[];
  /** Unfinished deployments with it. */
  activeDeployments: string[];
}

/** Reads and writes custom deployment configurations. */
export interface DeploymentConfigRepository {
  /** Stores a custom configuration; rejects with CONFLICT when the name is taken. */
  insert(input: NewDeploymentConfig): Promise<DeploymentConfigRow>;
  /** The custom configuration with this name, if any. */
  get(name: string): Promise<DeploymentConfigRow | undefined>;
  /** Every custom configuration, by name. */
  list(): Promise<DeploymentConfigRow[]>;
  /** What uses the configuration. */
  usage(name: string): Promise<ConfigUsage>;
  /** Removes a custom configuration; false when there is none of that name. */
  remove(name: string): Promise<boolean>;
}
