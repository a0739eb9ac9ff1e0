/**
 * HAProxy's runtime API (the stats socket, `level admin`): one command per connection, the
 * answer is everything HAProxy writes before it closes the connection. Over a Unix socket or
 * TCP. Only `set server`, `show stat` and `show servers state` are used; names sent in a
 * command are checked by the caller (a `;` or a newline would start another command).
 */
import net from 'node:net';
import { balancerInvalid } from './provider.ts';

/** Where the runtime API listens: `/path/admin.sock` or `tcp://host:port`. */
export type RuntimeEndpoint = { path: string } | { host: string; port: number };

/** Parses a group's `socket` setting (already validated by the schema). */
export function parseEndpoint(socket: string): RuntimeEndpoint {
  if (!socket.startsWith('tcp://')) return { path: socket };
  const hostPort = socket.slice('tcp://'.length);
  const colon = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(colon + 1)) };
}

function describe(endpoint: RuntimeEndpoint): string {
  return 'path' in endpoint ? endpoint.path : `tcp://${endpoint.host}:${endpoint.port}`;
}

/** The largest answer read; `show stat` of a large backend stays far below. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * Sends one command and resolves with HAProxy's answer. Throws ELASTIC_LOAD_BALANCING_INVALID
 * when the socket cannot be reached, does not answer within `timeoutMs`, or HAProxy refuses
 * the command for lack of rights.
 */
export function runtimeCommand(endpoint: RuntimeEndpoint, command: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
  const where = describe(endpoint);
  return new Promise((resolve, reject) => {
    const socket = 'path' in endpoint ? net.createConnection({ path: endpoint.path }) : net.createConnection({ host: endpoint.host, port: endpoint.port });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: Error | undefined, answer?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(answer ?? '');
    };
    const onAbort = (): void => finish(opts.signal?.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
    const timer = setTimeout(() => finish(balancerInvalid(`HAProxy's runtime API at ${where} did not answer "${command.split(' ').slice(0, 2).join(' ')}" within ${opts.timeoutMs ?? 10_000} ms`)), opts.timeoutMs ?? 10_000);
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_ANSWER_BYTES) return finish(balancerInvalid(`HAProxy's runtime API at ${where} answered more than ${MAX_ANSWER_BYTES} bytes`));
      chunks.push(d);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      finish(balancerInvalid(`cannot reach HAProxy's runtime API at ${where}: ${err.code ?? err.message}`, err));
    });
    socket.on('close', () => {
      const answer = Buffer.concat(chunks).toString('utf8');
      if (/^Permission denied/m.test(answer)) {
        return finish(balancerInvalid(`HAProxy's runtime API at ${where} refused "${command.split(' ')[0] ?? ''}": the socket needs "level admin"`));
      }
      finish(undefined, answer);
    });
  });
}

/** One server of `show stat`: its status and current sessions. */
export interface ServerStat {
  server: string;
  /** UP, DOWN, DRAIN, MAINT, `no check`, `UP 1/3` (going down), ... */
  status: string;
  /** Current sessions (scur). */
  sessions: number;
  /** Queued requests (qcur). */
  queued: number;
}

/** Parses `show stat` CSV into the servers of `backend` (FRONTEND and BACKEND rows are left out). */
export function parseShowStat(csv: string, backend: string): Map<string, ServerStat> {
  const lines = csv.split('\n');
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  const col = (name: string): number => header.indexOf(name);
  const [px, sv, scur, qcur, status] = [col('pxname'), col('svname'), col('scur'), col('qcur'), col('status')];
  const out = new Map<string, ServerStat>();
  if ([px, sv, scur, qcur, status].includes(-1)) return out;
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const name = f[sv] ?? '';
    if (f[px] !== backend || name === 'FRONTEND' || name === 'BACKEND' || name === '') continue;
    out.set(name, { server: name, status: f[status] ?? '', sessions: Number(f[scur] ?? 0) || 0, queued: Number(f[qcur] ?? 0) || 0 });
  }
  return out;
}

/** One row of `show servers state`: the operational and administrative state. */
export interface ServerState {
  server: string;
  /** 0 stopped, 1 starting, 2 running, 3 stopping. */
  opState: number;
  /** Bit field: 0x01 forced maintenance, 0x08 forced drain, ... (HAProxy's SRV_ADMF_*). */
  adminState: number;
}

/** Parses `show servers state BACKEND`. */
export function parseServersState(text: string): Map<string, ServerState> {
  const lines = text.split('\n');
  const headerLine = lines.find((l) => l.startsWith('# be_id'));
  const out = new Map<string, ServerState>();
  if (!headerLine) return out;
  const header = headerLine.slice(2).split(' ');
  const [name, op, admin] = [header.indexOf('srv_name'), header.indexOf('srv_op_state'), header.indexOf('srv_admin_state')];
  for (const line of lines) {
    if (line.startsWith('#') || !/^\d+ /.test(line)) continue;
    const f = line.split(' ');
    const server = f[name];
    if (server === undefined) continue;
    out.set(server, { server, opState: Number(f[op]), adminState: Number(f[admin]) });
  }
  return out;
}

/** HAProxy's SRV_ADMF_* bits that mean maintenance (forced, inherited, from config, resolution, hostname). */
export const ADMIN_MAINT = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
/** HAProxy's SRV_ADMF_* bits that mean drain (forced, inherited). */
export const ADMIN_DRAIN = 0x08 | 0x10;
