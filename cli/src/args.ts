/**
 * Argument parsing shared by every command: the connection flags, `k=v` lists, durations,
 * and the translation of node:util parseArgs errors into usage errors.
 */
import { CliError, UsageError } from './errors.ts';

/** Flags every command that talks to the coordinator accepts. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'ca-file': { type: 'string' },
  'ca-sha256': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Help text appended to every command's usage for the connection flags. */
export const CONNECTION_HELP = [
  'Connection:',
  '  --url URL        coordinator URL (env DECKHAND_URL, default http://127.0.0.1:8420); several, comma-separated, are tried in turn',
  '  --token TOKEN    API token (env DECKHAND_TOKEN)',
  '  --ca-file PEM    trust only this CA for an https:// coordinator (env DECKHAND_CA_FILE)',
  '  --ca-sha256 HEX  trust only the CA with this SHA-256 fingerprint (env DECKHAND_CA_SHA256);',
  '                   without either, the system\'s CAs',
  '  --json           print exactly one JSON object on stdout',
  '  -h, --help       show this help',
].join('\n');

/** The coordinator URL used when neither --url nor DECKHAND_URL is given. */
export const DEFAULT_URL = 'http://127.0.0.1:8420';

/**
 * Runs `parse` (a node:util parseArgs call) and turns its errors (unknown flag, missing value,
 * unexpected positional) into a {@link UsageError} carrying `usage`.
 */
export function parseOrUsage<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      // Keep node's first sentence; its advice about `--` only confuses here.
      throw new UsageError((err as Error).message.split('. To specify')[0] ?? '', usage);
    }
    throw err;
  }
}

/** Which CA the CLI trusts for an https:// coordinator: a PEM file, a pinned fingerprint, or the system's. */
export type CaTrust = { caFile: string } | { caSha256: string } | undefined;

/** Where to reach the coordinator and how to authenticate; flags win over the environment. */
export interface Connection {
  /** The coordinator tried first. */
  url: string;
  /** Every coordinator, in order, when several share one store (DECKHAND_URL=URL,URL,...); the client fails over between them. */
  urls?: string[];
  token: string;
  trust?: CaTrust;
}

/** The connection flags of a parsed command line. */
export interface ConnectionValues {
  url?: string | undefined;
  token?: string | undefined;
  'ca-file'?: string | undefined;
  'ca-sha256'?: string | undefined;
}

function resolveTrust(values: ConnectionValues, env: NodeJS.ProcessEnv): CaTrust {
  const file = values['ca-file'] ?? env['DECKHAND_CA_FILE'];
  const pin = values['ca-sha256'] ?? env['DECKHAND_CA_SHA256'];
  if (file && pin) throw new CliError('give --ca-file or --ca-sha256, not both', { exitCode: 2 });
  if (file) return { caFile: file };
  if (pin) return { caSha256: pin };
  return undefined;
}

/** Resolves the connection from the flags and DECKHAND_URL/DECKHAND_TOKEN/DECKHAND_CA_FILE/DECKHAND_CA_SHA256. */
export function resolveConnection(values: ConnectionValues, env: NodeJS.ProcessEnv): Connection {
  // Several coordinators sharing one store: a comma-separated list, tried in order.
  const urls = (values.url ?? env['DECKHAND_URL'] ?? DEFAULT_URL).split(',').map((u) => u.trim());
  const token = values.token ?? env['DECKHAND_TOKEN'];
  if (token === undefined || token === '') {
    throw new CliError('no API token: pass --token or set DECKHAND_TOKEN', { exitCode: 2 });
  }
  const trust = resolveTrust(values, env);
  for (const url of urls) {
    if (!/^https?:\/\//.test(url)) {
      throw new CliError(`invalid coordinator URL ${JSON.stringify(url)}: must start with http:// or https://`, {
        exitCode: 2,
      });
    }
    if (trust && !url.startsWith('https://')) {
      throw new CliError(`a CA (--ca-file or --ca-sha256) was given, so the coordinator URL must be https://, got ${url}`, { exitCode: 2 });
    }
  }
  const clean = urls.map((u) => u.replace(/\/+$/, ''));
  return { url: clean[0]!, ...(clean.length > 1 ? { urls: clean } : {}), token, ...(trust ? { trust } : {}) };
}

/** Parses repeated `k=v` flags into a record; a missing `=` or empty key is a usage error. */
export function parseKeyValues(items: readonly string[] | undefined, flag: string, usage: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got ${JSON.stringify(item)}`, usage);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a duration such as `1h`, `30m`, `3600s`, `7d` or `90` (seconds) into seconds. */
export function parseDurationSeconds(text: string, flag: string, usage: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1) : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new UsageError(`${flag} expects a duration such as 1h, 30m or 3600s, got ${JSON.stringify(text)}`, usage);
  }
  return seconds;
}

/** Parses a positive integer flag value. */
export function parsePositiveInt(text: string, flag: string, usage: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag} expects a positive integer, got ${JSON.stringify(text)}`, usage);
  }
  return n;
}

/** Fails with a usage error when a required string flag is missing. */
export function required(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing required ${flag}`, usage);
  return value;
}

/** Checks that the first positional is `expected` and returns the rest. */
export function subcommand(positionals: readonly string[], expected: string, usage: string): string[] {
  const [sub, ...rest] = positionals;
  if (sub === undefined) throw new UsageError(`missing subcommand (expected ${expected})`, usage);
  if (sub !== expected) throw new UsageError(`unknown subcommand ${sub} (expected ${expected})`, usage);
  return rest;
}
