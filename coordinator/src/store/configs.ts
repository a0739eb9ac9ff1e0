/**
 * Custom deployment configurations (the built-in ones live in the scheduler's health rules).
 */
import { DeckhandError, type MinimumHealthyHosts } from '../../../protocol/src/index.ts';
import type { Db } from './db.ts';
import { isUniqueViolation, parseJsonColumn } from './rows.ts';

/** One row of `deployment_configs`. */
export interface DeploymentConfigRow {
  name: string;
  minimumHealthyHosts: MinimumHealthyHosts;
  createdAt: string;
}

interface RawConfig {
  name: string;
  minimum_healthy_hosts: string;
  created_at: string;
}

function toRow(raw: RawConfig): DeploymentConfigRow {
  return {
    name: raw.name,
    minimumHealthyHosts: parseJsonColumn<MinimumHealthyHosts>(raw.minimum_healthy_hosts, 'deployment_configs.minimum_healthy_hosts'),
    createdAt: raw.created_at,
  };
}

/** Stores a custom configuration; throws CONFLICT when the name is taken. */
export function insertDeploymentConfig(db: Db, row: DeploymentConfigRow): DeploymentConfigRow {
  try {
    db.prepare('INSERT INTO deployment_configs (name, minimum_healthy_hosts, created_at) VALUES (?, ?, ?)').run(
      row.name,
      JSON.stringify(row.minimumHealthyHosts),
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
  const raw = db.prepare('SELECT * FROM deployment_configs WHERE name = ?').get(name) as RawConfig | undefined;
  return raw && toRow(raw);
}

/** Every custom configuration, by name. */
export function listDeploymentConfigs(db: Db): DeploymentConfigRow[] {
  return (db.prepare('SELECT * FROM deployment_configs ORDER BY name').all() as RawConfig[]).map(toRow);
}
