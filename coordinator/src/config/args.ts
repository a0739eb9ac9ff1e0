/**
 * The coordinator's command line: `deckhand-coordinator start --data-dir DIR [--listen HOST:PORT]
 * [--log-level L] [--max-bundle-bytes N] [--heartbeat-ms N]`.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_ARTIFACT_BYTES } from '../artifacts/store.ts';
import { DEFAULT_LOG_MAX_BYTES_PER_DEPLOYMENT } from '../hub/log-intake.ts';
import { DEFAULT_LOG_RETENTION_DAYS } from '../logs/retention.ts';

/** Where the coordinator listens. @default 127.0.0.1:8420 */
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 8420 } as const;

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

/** Usage text printed by `--help` and after a usage error. */
export const USAGE = `Usage: deckhand-coordinator start --data-dir DIR [options]

Options:
  --data-dir DIR           where the store, bundles and logs live (created if missing)
  --listen HOST:PORT       address to listen on (default ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}; port 0 = any)
  --log-level LEVEL        ${LOG_LEVELS.join(' | ')} (default info)
  --max-bundle-bytes N     largest accepted revision bundle (default ${DEFAULT_MAX_ARTIFACT_BYTES})
  --heartbeat-ms N         ping interval to agents; agents drop a link silent for 2.5 of them (default 15000)
  --log-max-bytes N        hook output kept per deployment; lines past it are counted, not kept
                           (default ${DEFAULT_LOG_MAX_BYTES_PER_DEPLOYMENT}, 512 MiB)
  --log-retention-days N   hook output is deleted this many days after its deployment ended (default ${DEFAULT_LOG_RETENTION_DAYS})
  -h, --help               show this help
  --version                print the version and exit

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
}

/** What the command line asks for. */
export type Command = { kind: 'help' } | { kind: 'start'; config: CoordinatorConfig };

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

function parseLevel(value: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value;
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
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (positionals.length !== 1 || positionals[0] !== 'start') {
    throw new UsageError(positionals.length === 0 ? 'missing command: start' : `unknown command: ${positionals.join(' ')}`);
  }
  if (!values['data-dir']) throw new UsageError('--data-dir is required');
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
  };
  return { kind: 'start', config };
}
