/**
 * A winston logger that keeps every JSON line it writes, for tests that check what is logged
 * (and how much).
 */
import { Writable } from 'node:stream';
import winston from 'winston';

/** A logger at `level` that appends each JSON line to `lines`. */
export function capturingLogger(lines: string[], level = 'info'): winston.Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return winston.createLogger({ level, format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
}

/** The parsed lines whose message is `message`. */
export function linesWith(lines: readonly string[], message: string): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['message'] === message);
}
