/**
 * `deckhand-coordinator migrate-store`: copies a stopped SQLite coordinator's store into an empty
 * PostgreSQL database, table by table in one transaction, then compares every table on both
 * sides (row count and a SHA-256 over its rows in key order) before committing: a copy that does
 * not match is rolled back and changes nothing. The SQLite file is only read.
 *
 * Progress counters are not copied but recomputed by the target's triggers as the hosts are
 * copied (their segment names copied after), and then compared like any other table.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { DeckhandError } from '../../../protocol/src/index.ts';
import { redactUrl } from './postgres/db.ts';
import { openPostgresStore } from './postgres/store.ts';
import { openDatabase, type Db } from './sqlite/db.ts';

/** A table and the columns that order its rows (its key). */
interface TableSpec {
  name: string;
  key: readonly string[];
  /** Rows compared; all when absent. */
  where?: string;
  /** A column PostgreSQL numbers itself (an identity): its sequence moves past the copied values. */
  identity?: string;
}

/** Every shared table, parents before children. */
export const COPIED_TABLES: readonly TableSpec[] = [
  { name: 'api_tokens', key: ['token_id'] },
  { name: 'applications', key: ['application_id'] },
  { name: 'deployment_configs', key: ['name'] },
  { name: 'deployment_groups', key: ['deployment_group_id'] },
  { name: 'revisions', key: ['revision_id'] },
  { name: 'registration_tokens', key: ['token_id'] },
  { name: 'instances', key: ['instance_id'] },
  { name: 'deployments', key: ['deployment_id'], identity: 'rowid' },
  { name: 'deployment_targets', key: ['deployment_id', 'instance_id'] },
  { name: 'target_events', key: ['deployment_id', 'instance_id', 'event'] },
  { name: 'audit_log', key: ['seq'] },
  { name: 'used_nonces', key: ['nonce'] },
  { name: 'deployment_logs', key: ['deployment_id'] },
  { name: 'log_streams', key: ['deployment_id', 'instance_id', 'event'] },
  { name: 'log_lines', key: ['deployment_id', 'cursor'] },
  { name: 'webhooks', key: ['webhook_id'] },
  { name: 'webhook_deliveries', key: ['seq'], identity: 'seq' },
  { name: 'webhook_attempts', key: ['delivery_id', 'attempt'] },
  { name: 'group_traffic', key: ['deployment_group_id'] },
  { name: 'traffic_ops', key: ['deployment_id', 'instance_id', 'op'] },
  { name: 'traffic_hosts', key: ['deployment_group_id', 'instance_id'] },
  { name: 'blue_green_deployments', key: ['deployment_id'] },
  { name: 'health_checks', key: ['name'] },
  { name: 'group_health', key: ['deployment_group_id'] },
  { name: 'deployment_health', key: ['deployment_id'] },
  { name: 'health_results', key: ['deployment_id', 'seq'] },
  { name: 'retry_starts', key: ['deployment_id', 'instance_id'] },
];
// A step whose hosts were all removed keeps a zero row in SQLite and none in PostgreSQL: same counts.
const PROGRESS: TableSpec = { name: 'deployment_progress', key: ['deployment_id', 'step'], where: 'total <> 0' };

/** What was copied, per table. */
export interface TableReport {
  table: string;
  rows: number;
  sha256: string;
}

type Row = Record<string, unknown>;

function columnsOf(db: Db, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

/** A row as text, the same from both engines: numbers as decimal strings, NULL as null. */
function canonical(row: Row, columns: readonly string[]): string {
  return JSON.stringify(columns.map((c) => (row[c] === null || row[c] === undefined ? null : String(row[c]))));
}

function digest(rows: readonly Row[], columns: readonly string[]): string {
  const hash = createHash('sha256');
  for (const row of rows) hash.update(canonical(row, columns)).update('\n');
  return hash.digest('hex');
}

async function copyTable(client: pg.PoolClient, db: Db, table: TableSpec): Promise<void> {
  // SQLite's implicit rowid orders deployments created in the same millisecond: kept as is.
  const columns = table.name === 'deployments' ? ['rowid', ...columnsOf(db, table.name)] : columnsOf(db, table.name);
  const rows = db.prepare(`SELECT ${columns.join(', ')} FROM ${table.name}`).all() as Row[];
  const perBatch = Math.max(1, Math.floor(30_000 / columns.length));
  for (let i = 0; i < rows.length; i += perBatch) {
    const batch = rows.slice(i, i + perBatch);
    const values: unknown[] = [];
    const tuples = batch.map((row) => `(${columns.map((c) => `$${values.push(row[c] ?? null)}`).join(', ')})`);
    await client.query(`INSERT INTO ${table.name} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
  }
  if (table.identity !== undefined && rows.length > 0) {
    await client.query(`SELECT setval(pg_get_serial_sequence('${table.name}', '${table.identity}'), (SELECT MAX(${table.identity}) FROM ${table.name}))`);
  }
}

async function compareTable(client: pg.PoolClient, db: Db, table: TableSpec): Promise<TableReport> {
  const columns = columnsOf(db, table.name);
  const select = `SELECT ${columns.join(', ')} FROM ${table.name}${table.where ? ` WHERE ${table.where}` : ''} ORDER BY ${table.key.join(', ')}`;
  const source = db.prepare(select).all() as Row[];
  const target = (await client.query(select)).rows as Row[];
  const sha256 = digest(source, columns);
  if (source.length !== target.length || digest(target, columns) !== sha256) {
    throw new DeckhandError('INTERNAL', `table ${table.name} differs after the copy (${source.length} rows in SQLite, ${target.length} in PostgreSQL); nothing was committed`);
  }
  return { table: table.name, rows: source.length, sha256 };
}

async function assertEmpty(client: pg.PoolClient, url: string): Promise<void> {
  for (const table of COPIED_TABLES) {
    const r = await client.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table.name}`);
    if ((r.rows[0]?.n ?? 0) > 0) {
      throw new DeckhandError('CONFLICT', `the target database ${redactUrl(url)} is not empty (${table.name} has rows): migrate-store only fills an empty one`);
    }
  }
}

/**
 * Copies the SQLite store at `sqliteFile` into the empty PostgreSQL database at `url`, verified;
 * returns what each table holds. Throws (changing nothing) when the target is not empty or a
 * table differs after the copy.
 */
export async function migrateStore(sqliteFile: string, url: string): Promise<TableReport[]> {
  // Opening brings an older SQLite schema up to date first, as the coordinator itself would.
  const db = openDatabase(sqliteFile);
  const store = await openPostgresStore(url, { max: 1 });
  const client = await store.pool.connect();
  try {
    await client.query('BEGIN');
    await assertEmpty(client, url);
    for (const table of COPIED_TABLES) await copyTable(client, db, table);
    for (const p of db.prepare('SELECT deployment_id, step, segment FROM deployment_progress WHERE segment IS NOT NULL').all() as Row[]) {
      await client.query('UPDATE deployment_progress SET segment = $3 WHERE deployment_id = $1 AND step = $2', [p['deployment_id'], p['step'], p['segment']]);
    }
    const report: TableReport[] = [];
    for (const table of [...COPIED_TABLES, PROGRESS]) report.push(await compareTable(client, db, table));
    await client.query('COMMIT');
    return report;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      // The connection broke: the server rolls the transaction back itself.
    });
    throw err;
  } finally {
    client.release();
    await store.close();
    db.close();
  }
}
