/**
 * Custom deployment configurations in PostgreSQL (store/configs.ts has the repository's contract).
 */
import { DeckhandError } from '../../../../protocol/src/index.ts';
import type { DeploymentConfigRow, NewDeploymentConfig } from '../configs.ts';
import { toConfig, type RawConfig } from '../rows/catalog.ts';
import type { Sql } from './sql.ts';

/** Stores a custom configuration; throws CONFLICT when the name is taken. */
export async function insertDeploymentConfig(q: Sql, input: NewDeploymentConfig): Promise<DeploymentConfigRow> {
  const row: DeploymentConfigRow = { ...input, rollout: input.rollout ?? {} };
  const n = await q.run(
    'INSERT INTO deployment_configs (name, minimum_healthy_hosts, rollout, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [row.name, JSON.stringify(row.minimumHealthyHosts), JSON.stringify(row.rollout), row.createdAt],
  );
  if (n === 0) throw new DeckhandError('CONFLICT', `deployment configuration ${row.name} already exists`);
  return row;
}

/** The custom configuration with this name, if any. */
export async function getDeploymentConfig(q: Sql, name: string): Promise<DeploymentConfigRow | undefined> {
  const raw = await q.one<RawConfig>('SELECT name, minimum_healthy_hosts, rollout, created_at FROM deployment_configs WHERE name = $1', [name]);
  return raw && toConfig(raw);
}

/** Every custom configuration, by name. */
export async function listDeploymentConfigs(q: Sql): Promise<DeploymentConfigRow[]> {
  return (await q.rows<RawConfig>('SELECT name, minimum_healthy_hosts, rollout, created_at FROM deployment_configs ORDER BY name')).map(toConfig);
}
