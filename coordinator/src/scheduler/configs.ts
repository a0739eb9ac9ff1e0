/**
 * Deployment configurations as the scheduler uses them: the three built-ins plus the custom
 * ones in the store, each reduced to its minimum-healthy-hosts rule and rollout options.
 */
import { BUILTIN_DEPLOYMENT_CONFIGS, canonicalConfigName, type DeploymentConfigView } from '../../../protocol/src/index.ts';
import type { DeploymentConfigRow } from '../store/configs.ts';
import type { Repositories } from '../store/store.ts';
import { minimumHealthyHostsFor, type MinimumHealthyHosts } from './policy/minimum-healthy.ts';
import type { RunConfig } from './policy/run-config.ts';

export type { RunConfig } from './policy/run-config.ts';

/** The rule of a built-in (short names accepted) or custom configuration; undefined if unknown. */
export async function ruleFor(store: Repositories, configName: string): Promise<MinimumHealthyHosts | undefined> {
  return (await configFor(store, configName))?.rule;
}

/** The rule and rollout options of a built-in or custom configuration; undefined if unknown. */
export async function configFor(store: Repositories, configName: string): Promise<RunConfig | undefined> {
  return builtinConfig(configName) ?? customConfig(await store.configs.get(canonicalConfigName(configName)));
}

/** A built-in configuration (short names accepted) as the scheduler runs it; undefined for any other name. */
export function builtinConfig(configName: string): RunConfig | undefined {
  const builtin = minimumHealthyHostsFor(configName);
  return builtin && { rule: builtin, rollout: {} };
}

/** A stored custom configuration as the scheduler runs it. */
export function customConfig(row: DeploymentConfigRow | undefined): RunConfig | undefined {
  return row && { rule: row.minimumHealthyHosts, rollout: row.rollout };
}

function builtinView(name: string, rule: MinimumHealthyHosts): DeploymentConfigView {
  // GetDeploymentConfig reports OneAtATime with a type users cannot set (reference §1.3).
  const minimumHealthyHosts = rule.type === 'ALL_BUT_ONE' ? { type: 'MOST_CONCURRENCY' as const, value: rule.value } : { type: rule.type, value: rule.value };
  return { name, builtIn: true, minimumHealthyHosts };
}

/** Every configuration: built-ins first, then the custom ones by name. */
export async function listConfigViews(store: Repositories): Promise<DeploymentConfigView[]> {
  const builtins = BUILTIN_DEPLOYMENT_CONFIGS.map((name) => builtinView(name, minimumHealthyHostsFor(name) as MinimumHealthyHosts));
  const custom = (await store.configs.list()).map(
    (c): DeploymentConfigView => ({ name: c.name, builtIn: false, minimumHealthyHosts: c.minimumHealthyHosts, createTime: c.createdAt, ...c.rollout }),
  );
  return [...builtins, ...custom];
}
