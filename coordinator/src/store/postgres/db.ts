/**
 * Connecting to PostgreSQL and bringing its schema up to date. Only the PostgreSQL store (this
 * folder) opens a connection: everything above it goes through store.ts's interface.
 *
 * A postgres:// URL may carry a password: it is never logged nor put in an error message; code
 * that names the database uses {@link redactUrl}.
 */
import pg from 'pg';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import type { Migration } from './migrations.ts';

/** The URL with its password (if any) replaced by `***`, for logs and messages. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    // Not a URL at all: say nothing of it that could be a secret.
    return '(unparsable URL)';
  }
}

/** Checks that `raw` is a postgres:// or postgresql:// URL with a database; throws VALIDATION_FAILED naming what is wrong. */
export function checkPostgresUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new DeckhandError('VALIDATION_FAILED', 'the store URL is not a URL (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)', { cause: err });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DeckhandError('VALIDATION_FAILED', `the store URL must start with postgres:// or postgresql://, got ${url.protocol}//`);
  }
  if (url.pathname.replace(/^\//, '') === '') {
    throw new DeckhandError('VALIDATION_FAILED', `the store URL names no database: ${redactUrl(raw)} (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)`);
  }
}

/** Options of {@link openPool}. */
export interface PoolOptions {
  /** Connections kept open to the server. @default 10 */
  max?: number;
  /** Told to the server (pg_stat_activity.application_name). @default 'deckhand-coordinator' */
  applicationName?: string;
  /** Called when an idle connection fails (the server restarted, the network dropped). */
  onError?: (err: Error) => void;
}

// COUNT and SUM give bigint/numeric, which pg returns as strings: every count of ours fits a double.
const NUMERIC_TYPES = new Set([20, 1700]);

function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (NUMERIC_TYPES.has(oid) && format !== 'binary') return (value: string) => Number(value);
  return pg.types.getTypeParser(oid, format as 'text');
}

/** A pool of connections to the database at `url` (checked first). */
export function openPool(url: string, opts: PoolOptions = {}): pg.Pool {
  checkPostgresUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'deckhand-coordinator',
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    // A coordinator paused or cut off inside a transaction must not hold row locks (a lease, a
    // host's cursor) for long: the server ends such a session after 30 s and its locks go.
    options: '-c idle_in_transaction_session_timeout=30000',
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
  });
  // An idle connection that fails must not crash the process; the pool replaces it.
  pool.on('error', (err) => opts.onError?.(err));
  return pool;
}

/** One list of migrations and the name it is recorded under. */
export interface MigrationTrack {
  track: string;
  migrations: readonly Migration[];
}

/** An arbitrary constant: the advisory lock every coordinator takes to migrate, one at a time. */
const MIGRATION_LOCK = 2_110_421;

/**
 * Applies every migration newer than the database's, track by track, in one transaction under an
 * advisory lock: coordinators starting together migrate once, the others wait and find it done.
 * A database migrated by a newer coordinator is refused (INTERNAL naming both versions).
 */
export async function migrate(pool: pg.Pool, tracks: readonly MigrationTrack[]): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS deckhand_schema (track text PRIMARY KEY, version integer NOT NULL, name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    for (const t of tracks) await migrateTrack(client, t);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch((e: unknown) => {
      broken = e as Error;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

async function migrateTrack(client: pg.PoolClient, { track, migrations }: MigrationTrack): Promise<void> {
  const r = await client.query<{ version: number }>('SELECT version FROM deckhand_schema WHERE track = $1', [track]);
  const current = r.rows[0]?.version ?? 0;
  const newest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > newest) {
    throw new DeckhandError('INTERNAL', `the database's ${track} schema is at version ${current}, newer than this coordinator knows (${newest}): upgrade the coordinator`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    await client.query(m.sql);
    await client.query(
      `INSERT INTO deckhand_schema (track, version, name) VALUES ($1, $2, $3)
       ON CONFLICT (track) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, applied_at = now()`,
      [track, m.version, m.name],
    );
  }
}

/** The schema versions recorded in the database, by track. */
export async function schemaVersions(pool: pg.Pool): Promise<Map<string, number>> {
  const r = await pool.query<{ track: string; version: number }>('SELECT track, version FROM deckhand_schema');
  return new Map(r.rows.map((row) => [row.track, row.version]));
}
