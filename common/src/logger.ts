/**
 * The root logger of a Deckhand process (winston). JSON lines to a file when one is given, and to
 * the console: human-readable on a TTY, JSON otherwise (so journald keeps structured lines).
 * Message strings are constant; variables go in fields (deploymentId, instanceId, lifecycleEvent).
 */
import path from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import winston from 'winston';

export type Logger = winston.Logger;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Component name put on every line, e.g. `agent` or `coordinator`. */
  service: string;
  /** @default "info" */
  level?: string;
  /** Also write JSON lines to this file, rotated by size. */
  file?: string;
  /** Size at which the log file is rotated (FILE becomes FILE1, ...). @default 10 MiB */
  maxFileBytes?: number;
  /** Rotated files kept beside the live one; older ones are deleted. @default 5 */
  maxFiles?: number;
  /** Console format; `auto` means pretty on a TTY. @default "auto" */
  console?: 'auto' | 'json' | 'pretty' | 'off';
}

const SECRET_KEYS = /token|secret|password|privatekey|authorization/i;

/**
 * Default rotation: 10 MiB a file, 5 old files kept (FILE.1 newest ... FILE.5), so a log never
 * holds much more than 60 MiB.
 */
export const DEFAULT_LOG_ROTATION = { maxFileBytes: 10 * 1024 * 1024, maxFiles: 5 } as const;

/** How deep {@link errorFields} follows `cause`. */
const MAX_CAUSE_DEPTH = 4;

/** An Error as plain fields, so JSON keeps them (JSON.stringify(new Error('x')) is `{}`). */
export function errorFields(err: Error, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out['code'] = code;
  if (err.stack) out['stack'] = err.stack;
  const cause = err.cause;
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) out['cause'] = cause instanceof Error ? errorFields(cause, depth + 1) : String(cause);
  return out;
}

/**
 * Turns every Error among a line's fields into {@link errorFields}, once for every transport:
 * call sites pass `{ err }` and the message, code and stack reach the file and the console.
 */
const serializeErrors = winston.format((info) => {
  for (const key of Object.keys(info)) {
    const value = info[key];
    if (value instanceof Error) info[key] = errorFields(value);
  }
  return info;
});

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
  const json = winston.format.combine(serializeErrors(), redact(), winston.format.timestamp(), winston.format.json());
  const transports: winston.transport[] = [];
  const mode = opts.console ?? 'auto';
  if (mode !== 'off') {
    const pretty = mode === 'pretty' || (mode === 'auto' && process.stderr.isTTY === true);
    transports.push(
      new winston.transports.Console({
        stderrLevels: ['error', 'warn', 'info', 'debug'],
        format: pretty
          ? winston.format.combine(serializeErrors(), redact(), winston.format.timestamp(), winston.format.colorize(), winston.format.printf(prettyLine))
          : json,
      }),
    );
  }
  let file: RotatingFileStream | undefined;
  if (opts.file) {
    file = rotatingFile(opts.file, opts.maxFileBytes ?? DEFAULT_LOG_ROTATION.maxFileBytes, opts.maxFiles ?? DEFAULT_LOG_ROTATION.maxFiles);
    transports.push(new winston.transports.Stream({ stream: file, format: json }));
  }
  const logger = winston.createLogger({
    level: opts.level ?? process.env['DECKHAND_LOG_LEVEL'] ?? 'info',
    defaultMeta: { service: opts.service },
    transports,
  });
  if (file) fileStreams.set(logger, file);
  return logger;
}

/** The rotating file behind each logger that has one, for {@link closeLogger}. */
const fileStreams = new WeakMap<Logger, RotatingFileStream>();

/**
 * FILE rotated by size, classical logrotate style: FILE.1 is the newest old file, FILE.N the
 * oldest kept. rotating-file-stream rather than winston's File transport, whose maxsize
 * rotation loses lines written in a burst (200 lines in one tick left two empty files).
 */
function rotatingFile(file: string, maxBytes: number, maxFiles: number): RotatingFileStream {
  const name = path.basename(file);
  // In classical mode the generator is called with the rotation index only (null: the live file).
  const generator = (index: number | Date | null): string => (typeof index === 'number' && index > 0 ? `${name}.${index}` : name);
  const stream = createStream(generator, {
    path: path.dirname(file),
    size: `${Math.max(1, Math.ceil(maxBytes / 1024))}K`,
    rotate: maxFiles,
  });
  // A log that cannot be written must not crash the process; the console still has the lines.
  stream.on('error', (err: Error) => process.stderr.write(`log file ${file}: ${err.message}\n`));
  return stream;
}

/**
 * Ends the logger and waits, at most `timeoutMs`, until its file has every line: call before
 * the process exits.
 */
export async function closeLogger(logger: Logger, timeoutMs = 2000): Promise<void> {
  const file = fileStreams.get(logger);
  const done = new Promise<void>((resolve) => {
    logger.once('finish', () => {
      if (!file) return resolve();
      file.once('finish', () => resolve());
      file.end();
    });
  });
  logger.end();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([done, timeout]);
  clearTimeout(timer);
}

/** A logger that drops everything; for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true });
}
