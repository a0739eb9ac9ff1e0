/**
 * The coordinator's command line: `deckhand-coordinator start --data-dir DIR [--listen HOST:PORT]
 * [--log-level L] [--max-bundle-bytes N] [--heartbeat-ms N] [TLS options]`, and the
 * maintenance commands `tls fingerprint`, `keys list` and `keys rotate`.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_ARTIFACT_BYTES } from '../artifacts/store.ts';
import { DEFAULT_LOG_MAX_BYTES_PER_DEPLOYMENT } from '../hub/log-intake.ts';
import { DEFAULT_LOG_RETENTION_DAYS } from '../logs/retention.ts';
import { tlsMode, type TlsMode } from '../tls/mode.ts';
import { parsePostgresTarget, parseSqliteSource, parseStore, type ClusterOptions, type StoreChoice } from './store-args.ts';
import { UsageError } from './usage-error.ts';

/** Where the coordinator listens. @default 127.0.0.1:8420 */
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 8420 } as const;

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

/** Usage text printed by `--help` and after a usage error. */
export const USAGE = `Usage: deckhand-coordinator start --data-dir DIR [options]
       deckhand-coordinator migrate-store --from sqlite:DIR --to postgres://...
       deckhand-coordinator nodes [--store postgres://...] [--json]
       deckhand-coordinator tls fingerprint --data-dir DIR
       deckhand-coordinator keys list|rotate --data-dir DIR [--grace DURATION]
       deckhand-coordinator backup --data-dir DIR --to FILE
       deckhand-coordinator restore --from FILE --data-dir DIR

Options:
  --data-dir DIR           where the store, bundles and logs live (created if missing)
  --listen HOST:PORT       address to listen on (default ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}; port 0 = any)
  --log-level LEVEL        ${LOG_LEVELS.join(' | ')} (default info)
  --max-bundle-bytes N     largest accepted revision bundle (default ${DEFAULT_MAX_ARTIFACT_BYTES})
  --heartbeat-ms N         ping interval to agents; agents drop a link silent for 2.5 of them (default 15000)
  --log-max-bytes N        hook output kept per deployment; lines past it are counted, not kept
                           (default ${DEFAULT_LOG_MAX_BYTES_PER_DEPLOYMENT}, 512 MiB)
  --log-retention-days N   hook output is deleted this many days after its deployment ended (default ${DEFAULT_LOG_RETENTION_DAYS})
  --max-unauthenticated N  connections that have not authenticated yet, at once (default 1024); past
                           it new connections are closed at accept. Keep it well under ulimit -n
  --max-unauthenticated-per-address N
                           the same, from one remote address (default 256)
  --metrics-token T        a token that may read /metrics (besides the admin token), for Prometheus;
                           better given as DECKHAND_METRICS_TOKEN (the command line is visible to others)
  --tls-cert FILE          serve HTTPS and WSS with this certificate (PEM; a chain is fine); with --tls-key.
                           Reloaded on SIGHUP without dropping agents.
  --tls-key FILE           the certificate's private key (PEM)
  --tls auto               make a private CA once (DATA/tls) and a certificate for the listen address
                           and --tls-san names; prints the CA's SHA-256 fingerprint. The default when
                           --listen is not a loopback address and no certificate is given.
  --tls-san NAME           another name or address for the automatic certificate (repeatable)
  --client-ca FILE         also require agents to present a client certificate signed by this CA
  --insecure-http          serve plain HTTP off loopback (every start warns); on loopback it is the
                           default without --tls
  --alertmanager URL       look alarms that name no health check up as alerts in this Alertmanager
                           (env DECKHAND_ALERTMANAGER_URL; credentials in it are never logged)
  --alarm-poll-seconds N   how often a running deployment's alarms are polled (default 10)
  --store-sync MODE        normal | full: SQLite's synchronous setting for a SQLite store (default full;
                           see README, "Backup, restore and durability")
  --skip-store-check       do not run quick_check and foreign_key_check on a SQLite store at start (they
                           read the whole store, about 8 ms per MB); its identity is still checked
  --accept-new-store       start although the SQLite store is missing, empty or another one than the
                           data directory's store-id names (the coordinator refuses otherwise)
  -h, --help               show this help
  --version                print the version and exit

Store (several coordinators on one PostgreSQL database):
  --store URL              sqlite (the default: DATA/coordinator.db) or postgres://USER:PASSWORD@HOST:PORT/DB;
                           every coordinator started on the same database serves the API and agents
  --artifacts-dir DIR      where revision bundles live (default DATA/artifacts); coordinators that
                           share a database share this folder too (NFS, a shared volume)
  --node-name NAME         how 'nodes' names this coordinator (default HOST:PORT of --listen)
  --lease-ms N             a deployment whose coordinator is silent this long is taken over (default 10000)

Commands:
  migrate-store            copy a stopped SQLite coordinator into an empty PostgreSQL database:
                           migrate-store --from sqlite:DATA_DIR --to postgres://... (checked by counts and checksums)
  nodes                    list the coordinators of a PostgreSQL store, their leases and agents (--json)
  tls fingerprint          print the SHA-256 fingerprint of the automatic CA (what agents pin)
  keys list                list the command-signing keys and their dates
  keys rotate              add a new command-signing key; the others stay valid for --grace
                           (default 7d), while agents learn the new key from signed welcomes
  backup                   copy the SQLite store to --to FILE while the coordinator runs, checked with quick_check
                           (a PostgreSQL store is backed up with pg_dump, see README)
  restore                  put the backup --from FILE in place of the SQLite store (the coordinator stopped);
                           the replaced store is kept beside it

Environment:
  DECKHAND_ADMIN_TOKEN     the first admin API token (otherwise one is generated and printed once)
  DECKHAND_STORE_URL       the store, when --store is not given
`;

/** The compiled configuration of `start`. */
export interface CoordinatorConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  readonly maxBundleBytes: number;
  /** Ping interval to agents; the hub's default when absent. */
  readonly heartbeatMs?: number;
  /** Hook output kept per deployment, bytes of line text. */
  readonly logMaxBytes: number;
  /** Days hook output is kept after its deployment ended. */
  readonly logRetentionDays: number;
  /** A scrape token for /metrics (--metrics-token or DECKHAND_METRICS_TOKEN). */
  readonly metricsToken?: string;
  /** How to serve TLS (absent: the default for the listen address, tls/mode.ts). */
  readonly tls?: TlsMode;
  /** Extra names of the automatic certificate (--tls-san). */
  readonly tlsSans?: readonly string[];
  /** --client-ca: agents must present a client certificate signed by this CA. */
  readonly clientCa?: string;
  /** Where alarms that name no health check are looked up as alerts. */
  readonly alertmanagerUrl?: string;
  /** How often running deployments' alarms are polled, ms; the monitor's default when absent. */
  readonly alarmPollMs?: number;
  /** Caps of connections that have not authenticated (edge/connection-guard.ts); its defaults when absent. */
  readonly connectionLimits?: { maxUnauthenticated?: number; maxUnauthenticatedPerAddress?: number };
  /** --store (or DECKHAND_STORE_URL): SQLite in the data dir, or a PostgreSQL database several coordinators share. */
  readonly store: StoreChoice;
  /** --artifacts-dir: where revision bundles live (shared storage for several coordinators). @default DATA/artifacts */
  readonly artifactsDir?: string;
  /** --node-name, --lease-ms: this coordinator's part in a cluster (PostgreSQL). */
  readonly cluster: ClusterOptions;
  /** SQLite's synchronous setting for the store (--store-sync). @default 'full' */
  readonly storeSync: StoreSync;
  /** --accept-new-store: start on a missing, empty or other store than the marker names. */
  readonly acceptNewStore?: boolean;
  /** --skip-store-check: no page check of the store at start. */
  readonly skipStoreCheck?: boolean;
}

/** The values of --store-sync. */
export type StoreSync = 'normal' | 'full';

/** --store-sync's value. */
function parseStoreSync(value: string | undefined): StoreSync {
  if (value === undefined) return 'full';
  if (value !== 'normal' && value !== 'full') throw new UsageError(`--store-sync must be normal or full, got "${value}"`);
  return value;
}

/** What the command line asks for. */
export type Command =
  | { kind: 'help' }
  | { kind: 'start'; config: CoordinatorConfig }
  | { kind: 'tls-fingerprint'; dataDir: string }
  | { kind: 'keys-list'; dataDir: string }
  | { kind: 'keys-rotate'; dataDir: string; graceMs: number }
  | { kind: 'migrate-store'; from: string; to: string }
  | { kind: 'nodes'; store: string; json: boolean };

export { UsageError };

/** Parses `HOST:PORT` (IPv6 in brackets: `[::1]:8420`). */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : Number.NaN;
  const host = match?.[1] ?? match?.[2];
  if (!host || !(port >= 0 && port <= 65535)) throw new UsageError(`--listen must be HOST:PORT, got "${value}"`);
  return { host, port };
}

function parsePositiveInt(flag: string, value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `12h`, `7d` in milliseconds. */
function parseDuration(flag: string, value: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(value);
  if (!match) throw new UsageError(`${flag} must be a number and a unit (s, m, h, d), e.g. 7d, got "${value}"`);
  return Number(match[1]) * DURATION_UNITS[match[2]!]!;
}

function parseLevel(value: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value;
}

/** The scrape token, checked for length (never echoed: it is a secret). */
function metricsToken(value: string | undefined): { metricsToken?: string } {
  if (value === undefined || value === '') return {};
  if (value.length < 16 || /\s/.test(value)) throw new UsageError('the metrics token must be at least 16 characters without spaces');
  return { metricsToken: value };
}

/** Parses the coordinator's arguments (without `node` and the script). Throws UsageError. */
export function parseCoordinatorArgs(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'data-dir': { type: 'string' },
        listen: { type: 'string' },
        'log-level': { type: 'string' },
        'max-bundle-bytes': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'log-max-bytes': { type: 'string' },
        'log-retention-days': { type: 'string' },
        'metrics-token': { type: 'string' },
        'max-unauthenticated': { type: 'string' },
        'max-unauthenticated-per-address': { type: 'string' },
        tls: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-san': { type: 'string', multiple: true },
        'client-ca': { type: 'string' },
        'insecure-http': { type: 'boolean' },
        alertmanager: { type: 'string' },
        'alarm-poll-seconds': { type: 'string' },
        'store-sync': { type: 'string' },
        'accept-new-store': { type: 'boolean' },
        'skip-store-check': { type: 'boolean' },
        grace: { type: 'string' },
        store: { type: 'string' },
        'artifacts-dir': { type: 'string' },
        'node-name': { type: 'string' },
        'lease-ms': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const command = positionals.join(' ');
  if (!['start', 'tls fingerprint', 'keys list', 'keys rotate', 'migrate-store', 'nodes'].includes(command)) {
    throw new UsageError(positionals.length === 0 ? 'missing command: start' : `unknown command: ${command}`);
  }
  if (command === 'migrate-store') return { kind: 'migrate-store', from: parseSqliteSource(values.from), to: parsePostgresTarget(values.to) };
  if (command === 'nodes') {
    const store = parseStore(values.store ?? process.env['DECKHAND_STORE_URL']);
    if (store.kind !== 'postgres') throw new UsageError('nodes lists the coordinators of a PostgreSQL store: give --store postgres://... (or DECKHAND_STORE_URL)');
    return { kind: 'nodes', store: store.url, json: values.json === true };
  }
  if (!values['data-dir']) throw new UsageError('--data-dir is required');
  if (command === 'tls fingerprint') return { kind: 'tls-fingerprint', dataDir: values['data-dir'] };
  if (command === 'keys list') return { kind: 'keys-list', dataDir: values['data-dir'] };
  if (command === 'keys rotate') {
    return { kind: 'keys-rotate', dataDir: values['data-dir'], graceMs: values.grace === undefined ? 7 * 86_400_000 : parseDuration('--grace', values.grace) };
  }
  const listen = values.listen === undefined ? DEFAULT_LISTEN : parseListen(values.listen);
  const config: CoordinatorConfig = {
    dataDir: values['data-dir'],
    host: listen.host,
    port: listen.port,
    logLevel: parseLevel(values['log-level'] ?? process.env['DECKHAND_LOG_LEVEL'] ?? 'info'),
    maxBundleBytes:
      values['max-bundle-bytes'] === undefined
        ? DEFAULT_MAX_ARTIFACT_BYTES
        : parsePositiveInt('--max-bundle-bytes', values['max-bundle-bytes']),
    ...(values['heartbeat-ms'] === undefined ? {} : { heartbeatMs: parsePositiveInt('--heartbeat-ms', values['heartbeat-ms']) }),
    logMaxBytes: values['log-max-bytes'] === undefined ? DEFAULT_LOG_MAX_BYTES_PER_DEPLOYMENT : parsePositiveInt('--log-max-bytes', values['log-max-bytes']),
    logRetentionDays: values['log-retention-days'] === undefined ? DEFAULT_LOG_RETENTION_DAYS : parsePositiveInt('--log-retention-days', values['log-retention-days']),
    ...metricsToken(values['metrics-token'] ?? process.env['DECKHAND_METRICS_TOKEN']),
    storeSync: parseStoreSync(values['store-sync']),
    ...(values['accept-new-store'] === true ? { acceptNewStore: true } : {}),
    ...(values['skip-store-check'] === true ? { skipStoreCheck: true } : {}),
    ...tlsConfig(values, listen.host),
    ...healthConfig(values['alertmanager'] ?? process.env['DECKHAND_ALERTMANAGER_URL'], values['alarm-poll-seconds']),
    ...connectionLimits(values['max-unauthenticated'], values['max-unauthenticated-per-address']),
    store: parseStore(values.store ?? process.env['DECKHAND_STORE_URL']),
    ...(values['artifacts-dir'] === undefined ? {} : { artifactsDir: values['artifacts-dir'] }),
    cluster: {
      ...(values['node-name'] === undefined ? {} : { nodeName: values['node-name'] }),
      ...(values['lease-ms'] === undefined ? {} : { leaseMs: parsePositiveInt('--lease-ms', values['lease-ms']) }),
    },
  };
  return { kind: 'start', config };
}

/** The health part of the configuration: the Alertmanager and the alarm poll interval. */
function healthConfig(alertmanager: string | undefined, pollSeconds: string | undefined): Partial<CoordinatorConfig> {
  const out: { alertmanagerUrl?: string; alarmPollMs?: number } = {};
  if (alertmanager !== undefined && alertmanager !== '') {
    let url: URL | undefined;
    try {
      url = new URL(alertmanager);
    } catch {
      url = undefined;
    }
    // The value may hold credentials: the message names the flag, never the value.
    if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new UsageError('--alertmanager must be an http:// or https:// URL');
    out.alertmanagerUrl = alertmanager;
  }
  if (pollSeconds !== undefined) out.alarmPollMs = parsePositiveInt('--alarm-poll-seconds', pollSeconds) * 1000;
  return out;
}

/** The unauthenticated-connection caps, present only when a flag was given. */
function connectionLimits(total: string | undefined, perAddress: string | undefined): Partial<CoordinatorConfig> {
  if (total === undefined && perAddress === undefined) return {};
  return {
    connectionLimits: {
      ...(total === undefined ? {} : { maxUnauthenticated: parsePositiveInt('--max-unauthenticated', total) }),
      ...(perAddress === undefined ? {} : { maxUnauthenticatedPerAddress: parsePositiveInt('--max-unauthenticated-per-address', perAddress) }),
    },
  };
}

/** The TLS part of the configuration, present only when a TLS flag was given. */
function tlsConfig(values: Record<string, string | boolean | string[] | undefined>, host: string): Partial<CoordinatorConfig> {
  const tls = values['tls'] as string | undefined;
  if (tls !== undefined && tls !== 'auto') throw new UsageError(`--tls takes auto, got "${tls}" (plain HTTP off loopback is --insecure-http)`);
  const flags = {
    host,
    ...(tls === 'auto' ? { tls: 'auto' as const } : {}),
    ...(typeof values['tls-cert'] === 'string' ? { tlsCert: values['tls-cert'] } : {}),
    ...(typeof values['tls-key'] === 'string' ? { tlsKey: values['tls-key'] } : {}),
    ...(values['insecure-http'] === true ? { insecureHttp: true } : {}),
  };
  const given = Object.keys(flags).length > 1 || values['tls-san'] !== undefined || values['client-ca'] !== undefined;
  if (!given) return {};
  const mode = tlsMode(flags);
  if (typeof mode === 'string') throw new UsageError(mode);
  const sans = (values['tls-san'] as string[] | undefined) ?? [];
  if (sans.length > 0 && mode.kind !== 'auto') throw new UsageError('--tls-san names are for the automatic certificate (--tls auto)');
  const clientCa = values['client-ca'] as string | undefined;
  if (clientCa !== undefined && mode.kind === 'plain') throw new UsageError('--client-ca needs TLS');
  return { tls: mode, ...(sans.length > 0 ? { tlsSans: sans } : {}), ...(clientCa === undefined ? {} : { clientCa }) };
}
