/**
 * One real coordinator process for a benchmark: `bin/deckhand-coordinator.js start` on
 * 127.0.0.1:0 with its data directory in a temporary folder, plus an admin API client.
 */
import { httpRequest, readText } from '../../common/src/http-request.ts';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnNode, stopProcess } from './proc.ts';

/** The repository root. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** A bin/ script of the repository. */
export function binPath(name: string): string {
  return path.join(REPO_ROOT, 'bin', `${name}.js`);
}

const ADMIN_TOKEN = 'dh_bench_admin_token_0123456789abcdef';

/** Options of {@link startCoordinator}. */
export interface CoordinatorOptions {
  /** Write a V8 CPU profile of the whole run into this directory (node --cpu-prof). */
  cpuProfDir?: string;
  /** Serve HTTPS/WSS with the coordinator's automatic CA (--tls auto). */
  tls?: boolean;
  /** A PostgreSQL store shared with other coordinators (--store); absent: SQLite in its data dir. */
  storeUrl?: string;
  /** More arguments of `start` (--artifacts-dir, --node-name, --lease-ms...). */
  args?: readonly string[];
  /** Runs on the data dir before the process starts (a copy of the cluster's signing keys). */
  prepare?: (dataDir: string) => void;
}

/** A response of the admin API. */
export interface ApiResponse<T> {
  status: number;
  body: T;
}

/** A running coordinator process. */
export class Coordinator {
  constructor(
    readonly proc: ChildProcess,
    readonly url: string,
    readonly dir: string,
    readonly logFile: string,
    /** The CA file to trust, when the coordinator serves TLS with its own CA. */
    readonly caFile?: string,
    /** Its PostgreSQL store, when it shares one. */
    readonly storeUrl?: string,
  ) {}

  /** The coordinator's data directory. */
  get dataDir(): string {
    return path.join(this.dir, 'coordinator');
  }

  /** The admin token the coordinator was started with, for CLI runs. */
  get token(): string {
    return ADMIN_TOKEN;
  }

  /** The coordinator's SQLite store, for read-only checks that must not load the process. */
  get storeFile(): string {
    return path.join(this.dir, 'coordinator', 'coordinator.db');
  }

  /** The coordinator's pid (the node process itself: spawnNode execs). */
  get pid(): number {
    if (this.proc.pid === undefined) throw new Error('the coordinator has no pid');
    return this.proc.pid;
  }

  /** Calls the HTTP API with the admin token; JSON in, JSON out, raw bytes for Uint8Array bodies. */
  async api<T>(method: string, urlPath: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) {
      payload = body;
      headers['content-type'] = 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const ca = this.caFile ? { ca: [readFileSync(this.caFile, 'utf8')] } : {};
    const res = await httpRequest(this.url + urlPath, { method, headers, ...(payload === undefined ? {} : { body: payload }), ...ca });
    const text = await readText(res.body);
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Like {@link api} but throws unless the status is 2xx. */
  async call<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const res = await this.api<T>(method, urlPath, body);
    if (res.status < 200 || res.status > 299) {
      throw new Error(`${method} ${urlPath} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  /** The last lines of the coordinator's output, for error messages. */
  logTail(lines = 20): string {
    return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** kill -9, without waiting for anything but the exit; the directory stays. */
  async kill9(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGKILL');
    await exited;
  }

  /** Stops the process (SIGTERM) and removes its directory. */
  async stop(): Promise<void> {
    await stopProcess(this.proc, 20_000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a coordinator in a new temporary directory and waits until it listens. */
export async function startCoordinator(opts: CoordinatorOptions = {}): Promise<Coordinator> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-'));
  const dataDir = path.join(dir, 'coordinator');
  mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dir, 'coordinator.out.log');
  const fd = openSync(logFile, 'a');
  const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  opts.prepare?.(dataDir);
  const args = ['start', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...(opts.tls ? ['--tls', 'auto'] : []), ...(opts.storeUrl ? ['--store', opts.storeUrl] : []), ...(opts.args ?? [])];
  const proc = spawnNode(binPath('deckhand-coordinator'), args, {
    env: { ...process.env, DECKHAND_ADMIN_TOKEN: ADMIN_TOKEN },
    stdio: ['ignore', fd, fd],
    nodeArgs,
  });
  closeSync(fd);
  const infoFile = path.join(dataDir, 'coordinator.json');
  for (let waited = 0; waited < 30_000; waited += 50) {
    if (existsSync(infoFile)) {
      const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { url: string };
      return new Coordinator(proc, info.url, dir, logFile, opts.tls ? path.join(dataDir, 'tls', 'ca.pem') : undefined, opts.storeUrl);
    }
    if (proc.exitCode !== null) break;
    await delay(50);
  }
  throw new Error(`the coordinator did not start; see ${logFile}`);
}
