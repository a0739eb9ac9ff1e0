/**
 * The root logger of a Deckhand process (winston). JSON lines to a file when one is given, and to
 * the console: human-readable on a TTY, JSON otherwise (so journald keeps structured lines).
 * Message strings are constant; variables go in fields (deploymentId, instanceId, lifecycleEvent).
 */
import winston from 'winston';

export type Logger = winston.Logger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Component name put on every line, e.g. `agent` or `coordinator`. */
  service: string;
  /** @default "info" */
  level?: string;
  /** Also write JSON lines to this file. */
  file?: string;
  /** Console format; `auto` means pretty on a TTY. @default "auto" */
  console?: 'auto' | 'json' | 'pretty' | 'off';
}

const SECRET_KEYS = /token|secret|password|privatekey|authorization/i;

/** Replaces values of secret-looking fields, so no call site has to remember to. */
const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key)) info[key] = '[redacted]';
  }
  return info;
});

function prettyLine(info: winston.Logform.TransformableInfo): string {
  const { level, message, timestamp, service, ...fields } = info;
  const extra = Object.entries(fields)
    .filter(([k]) => typeof k === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${String(timestamp)} ${level} [${String(service)}] ${String(message)}${extra ? ' ' + extra : ''}`;
}

/** Creates the process's root logger. Call once per process, in main. */
export function createLogger(opts: LoggerOptions): Logger {
  const json = winston.format.combine(redact(), winston.format.timestamp(), winston.format.json());
  const transports: winston.transport[] = [];
  const mode = opts.console ?? 'auto';
  if (mode !== 'off') {
    const pretty = mode === 'pretty' || (mode === 'auto' && process.stderr.isTTY === true);
    transports.push(
      new winston.transports.Console({
        stderrLevels: ['error', 'warn', 'info', 'debug'],
        format: pretty
          ? winston.format.combine(redact(), winston.format.timestamp(), winston.format.colorize(), winston.format.printf(prettyLine))
          : json,
      }),
    );
  }
  if (opts.file) transports.push(new winston.transports.File({ filename: opts.file, format: json }));
  return winston.createLogger({
    level: opts.level ?? process.env['DECKHAND_LOG_LEVEL'] ?? 'info',
    defaultMeta: { service: opts.service },
    transports,
  });
}

/** A logger that drops everything; for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true });
}
