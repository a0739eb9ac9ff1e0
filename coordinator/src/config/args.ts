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

/** Where the coordinator listens. @default 127.0.0.1:8420 */
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 8420 } as const;

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

/** Usage text printed by `--help` and after a usage error. */
export const USAGE = `Usage: deckhand-coordinator start --data-dir DIR [options]
       deckhand-coordinator tls fingerprint --data-dir DIR
       deckhand-coordinator keys list|rotate --data-dir DIR [--grace DURATION]

Options:
  --data-dir DIR           where the store, bundles and logs live (created if missing)
  --listen HOST:PORT       address to listen on (default ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}; port 0 = any)
  --log-level LEVEL        ${LOG_LEVELS.join(' | ')} (default info)
  --max-bundle-bytes N     largest accepted revision bundle (default ${DEFAULT_MAX_ARTIFACT_BYTES})
  --heartbeat-ms N         ping interval to agents; agents drop a link silent for 2.5 of them (default 15000)
  --log-max-bytes N        hook output kept per deployment; lines past it are counted, not kept
                           (default ${DEFAULT_LOG_MAX_BYTES_PER_DEPLOYMENT}, 512 MiB)
  --log-retention-days N   hook output is deleted this many days after its deployment ended (default ${DEFAULT_LOG_RETENTION_DAYS})
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
  -h, --help               show this help
  --version                print the version and exit

Commands:
  tls fingerprint          print the SHA-256 fingerprint of the automatic CA (what agents pin)
  keys list                list the command-signing keys and their dates
  keys rotate              add a new command-signing key; the others stay valid for --grace
                           (default 7d), while agents learn the new key from signed welcomes

Environment:
  DECKHAND_ADMIN_TOKEN     the first admin API token (otherwise one is generated and printed once)
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
}

/** What the command line asks for. */
export type Command =
  | { kind: 'help' }
  | { kind: 'start'; config: CoordinatorConfig }
  | { kind: 'tls-fingerprint'; dataDir: string }
  | { kind: 'keys-list'; dataDir: string }
  | { kind: 'keys-rotate'; dataDir: string; graceMs: number };

/** A command-line mistake; main prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

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
        tls: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-san': { type: 'string', multiple: true },
        'client-ca': { type: 'string' },
        'insecure-http': { type: 'boolean' },
        alertmanager: { type: 'string' },
        'alarm-poll-seconds': { type: 'string' },
        grace: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const command = positionals.join(' ');
  if (!['start', 'tls fingerprint', 'keys list', 'keys rotate'].includes(command)) {
    throw new UsageError(positionals.length === 0 ? 'missing command: start' : `unknown command: ${command}`);
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
    ...tlsConfig(values, listen.host),
    ...healthConfig(values['alertmanager'] ?? process.env['DECKHAND_ALERTMANAGER_URL'], values['alarm-poll-seconds']),
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
