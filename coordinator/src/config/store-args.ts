/**
 * The store part of the coordinator's command line: which store (`--store`, or
 * DECKHAND_STORE_URL), and for PostgreSQL the node's name and lease time, plus the
 * `migrate-store` and `nodes` commands. A store URL's password never appears in a message.
 */
import { UsageError } from './usage-error.ts';

/** Where the coordinator keeps its state. */
export type StoreChoice = { kind: 'sqlite' } | { kind: 'postgres'; url: string };

/** How this coordinator takes part in a cluster (PostgreSQL stores only). */
export interface ClusterOptions {
  /** The name `nodes` shows. @default the host name and listen port */
  nodeName?: string;
  /** A lease not renewed for this long is taken over. @default 10000 */
  leaseMs?: number;
}

/** The URL with its password hidden, for messages. */
export function hidePassword(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Parses `--store` (or DECKHAND_STORE_URL): absent or `sqlite` for SQLite in the data dir, or a postgres:// URL. */
export function parseStore(value: string | undefined): StoreChoice {
  if (value === undefined || value === '' || value === 'sqlite') return { kind: 'sqlite' };
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      const url = new URL(value);
      if (url.pathname.replace(/^\//, '') === '') throw new UsageError(`--store ${hidePassword(value)} names no database (postgres://USER:PASSWORD@HOST:PORT/DATABASE)`);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--store ${hidePassword(value)} is not a valid URL`);
    }
    return { kind: 'postgres', url: value };
  }
  throw new UsageError(`--store must be sqlite or a postgres:// URL, got "${hidePassword(value)}"`);
}

/** Parses `--from sqlite:DIR` of migrate-store: the data dir of a SQLite coordinator. */
export function parseSqliteSource(value: string | undefined): string {
  if (value === undefined) throw new UsageError('migrate-store needs --from sqlite:DIR (the data directory of the SQLite coordinator)');
  const match = /^sqlite:(.+)$/.exec(value);
  if (!match) throw new UsageError(`--from must be sqlite:DIR, got "${value}"`);
  return match[1]!;
}

/** Parses `--to postgres://...` of migrate-store. */
export function parsePostgresTarget(value: string | undefined): string {
  if (value === undefined) throw new UsageError('migrate-store needs --to postgres://USER:PASSWORD@HOST:PORT/DATABASE');
  const store = parseStore(value);
  if (store.kind !== 'postgres') throw new UsageError(`--to must be a postgres:// URL, got "${hidePassword(value)}"`);
  return store.url;
}
