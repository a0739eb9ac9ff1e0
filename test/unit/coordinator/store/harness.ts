/**
 * Runs a test file once per store implementation: {@link forEachStore} declares the same tests
 * for SQLite and for PostgreSQL, each test on a fresh, empty store. Tests seed and check rows
 * with plain SQL through {@link TestStore.run}/get/all, written once with `?` placeholders
 * (numbered for PostgreSQL here). Where PostgreSQL cannot be had, its half of every such file is
 * pending, naming what is missing (test/support/requirements.ts).
 *
 * PostgreSQL runs once per test run (test/support/postgres.ts); each test gets a database copied
 * from one migrated template, or one an earlier test used and that was emptied since.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { CLUSTER_MIGRATIONS } from '../../../../coordinator/src/store/postgres/cluster-migrations.ts';
import { PG_MIGRATIONS } from '../../../../coordinator/src/store/postgres/migrations.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { openPostgresStore, type PostgresStore } from '../../../../coordinator/src/store/postgres/store.ts';
import { openSqliteStore, type SqliteStore } from '../../../../coordinator/src/store/sqlite/store.ts';
import { postgresMissing, sharedPostgres, type ThrowawayPostgres } from '../../../support/postgres.ts';
import { skipForMissing } from '../../../support/requirements.ts';

/** The store implementations every store and scheduler test runs against. */
export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** A value a test statement takes (undefined is stored as NULL). */
export type SqlArg = string | number | null | undefined;

function args(values: readonly SqlArg[]): (string | number | null)[] {
  return values.map((v) => v ?? null);
}

/** A fresh store and plain SQL on its database, for seeding and checking. */
export interface TestStore {
  readonly kind: StoreKind;
  readonly store: Store;
  /** The database's URL (PostgreSQL only): for a second coordinator on the same store. */
  readonly url?: string;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, ...args: SqlArg[]): Promise<number>;
  /** The first row of a query, if any. */
  get<T>(sql: string, ...args: SqlArg[]): Promise<T | undefined>;
  /** Every row of a query. */
  all<T>(sql: string, ...args: SqlArg[]): Promise<T[]>;
  /** Closes the store (if still open) and removes what it created. */
  cleanup(): Promise<void>;
}

/** `sql` with its `?` placeholders numbered ($1, $2, ...) as PostgreSQL wants them; quoted text is left alone. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}

function sqliteTestStore(): TestStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-store-'));
  const store: SqliteStore = openSqliteStore(path.join(dir, 'coordinator.db'));
  return {
    kind: 'sqlite',
    store,
    run: async (sql, ...values) => store.db.prepare(sql).run(...args(values)).changes,
    get: async <T>(sql: string, ...values: SqlArg[]) => store.db.prepare(sql).get(...args(values)) as T | undefined,
    all: async <T>(sql: string, ...values: SqlArg[]) => store.db.prepare(sql).all(...args(values)) as T[],
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let template: Promise<string> | undefined;
/** Databases emptied after their test, ready for the next one. */
const spare: string[] = [];

/** A database migrated once, that every test's database copies. */
function migratedTemplate(server: ThrowawayPostgres): Promise<string> {
  template ??= (async () => {
    const name = await server.createDatabase();
    const store = await openPostgresStore(server.url(name), { max: 1 });
    await store.close();
    return name;
  })();
  return template;
}

/**
 * Empties a used test database for the next test (far cheaper than copying the template again);
 * false when its schema was changed, and it must go.
 */
async function emptyForReuse(server: ThrowawayPostgres, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: server.url(name) });
  await client.connect();
  try {
    const versions = await client.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM deckhand_schema WHERE (track, version) IN (('store', $1), ('cluster', $2))`, [
      newestVersion(PG_MIGRATIONS),
      newestVersion(CLUSTER_MIGRATIONS),
    ]);
    if (versions.rows[0]?.n !== 2) return false;
    const tables = await client.query<{ t: string }>(`SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'deckhand_schema'`);
    await client.query(`TRUNCATE ${tables.rows.map((r) => r.t).join(', ')} RESTART IDENTITY CASCADE`);
    return true;
  } finally {
    await client.end();
  }
}

function newestVersion(migrations: readonly { version: number }[]): number {
  return Math.max(...migrations.map((m) => m.version));
}

async function postgresTestStore(): Promise<TestStore> {
  const server = await sharedPostgres();
  const name = spare.pop() ?? (await server.createDatabase(await migratedTemplate(server)));
  const store: PostgresStore = await openPostgresStore(server.url(name), { max: 4 });
  const query = (sql: string, values: SqlArg[]) => store.pool.query(numberPlaceholders(sql), args(values));
  return {
    kind: 'postgres',
    store,
    url: server.url(name),
    run: async (sql, ...values) => (await query(sql, values)).rowCount ?? 0,
    get: async <T>(sql: string, ...values: SqlArg[]) => (await query(sql, values)).rows[0] as T | undefined,
    all: async <T>(sql: string, ...values: SqlArg[]) => (await query(sql, values)).rows as T[],
    cleanup: async () => {
      await store.close();
      if (await emptyForReuse(server, name)) spare.push(name);
      else await server.admin(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

/** A fresh store of `kind`; the caller cleans it up. */
export function openTestStore(kind: StoreKind): Promise<TestStore> {
  return kind === 'sqlite' ? Promise.resolve(sqliteTestStore()) : postgresTestStore();
}

/**
 * Declares `body`'s tests once per store implementation, as `title (sqlite)` and
 * `title (postgres)`; `current()` is the test's fresh store (opened before each test, cleaned
 * up after it).
 */
export function forEachStore(title: string, body: (current: () => TestStore, kind: StoreKind) => void): void {
  for (const kind of STORE_KINDS) {
    describe(`${title} (${kind})`, function () {
      let t: TestStore | undefined;
      if (kind === 'postgres') {
        before(function () {
          const missing = postgresMissing();
          if (missing) skipForMissing(this, missing);
        });
      }
      beforeEach(async function () {
        t = await openTestStore(kind);
      });
      afterEach(async function () {
        await t?.cleanup();
        t = undefined;
      });
      body(() => {
        if (!t) throw new Error('no store: current() is for use inside a test');
        return t;
      }, kind);
    });
  }
}
