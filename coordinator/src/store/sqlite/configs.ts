/**
 * Custom deployment configurations in SQLite (store/configs.ts has the repository's contract).
 */
import { DeckhandError } from '../../../../protocol/src/index.ts';
import type { DeploymentConfigRow, NewDeploymentConfig } from '../configs.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';
import { isUniqueViolation } from './columns.ts';
import { toConfig as toRow, type RawConfig } from '../rows/catalog.ts';

export { toRow, type RawConfig };

/** Stores a custom configuration; throws CONFLICT when the name is taken. */
export function insertDeploymentConfig(db: Db, input: NewDeploymentConfig): DeploymentConfigRow {
  const row: DeploymentConfigRow = { ...input, rollout: input.rollout ?? {} };
  try {
    prepared(db, 'INSERT INTO deployment_configs (name, minimum_healthy_hosts, rollout, created_at) VALUES (?, ?, ?, ?)').run(
      row.name,
      JSON.stringify(row.minimumHealthyHosts),
      JSON.stringify(row.rollout),
      row.createdAt,
    );
  } catch (err) {
    if (isUniqueViolation(err)) throw new DeckhandError('CONFLICT', `deployment configuration ${row.name} already exists`, { cause: err });
    throw err;
  }
  return row;
}

/** The custom configuration with this name, if any. */
export function getDeploymentConfig(db: Db, name: string): DeploymentConfigRow | undefined {
  const raw = prepared(db, 'SELECT * FROM deployment_configs WHERE name = ?').get(name) as RawConfig | undefined;
  return raw && toRow(raw);
}

/** Every custom configuration, by name. */
export function listDeploymentConfigs(db: Db): DeploymentConfigRow[] {
  return (prepared(db, 'SELECT * FROM deployment_configs ORDER BY name').all() as RawConfig[]).map(toRow);
}
