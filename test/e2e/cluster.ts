/**
 * Starts a real coordinator and real agent processes on loopback for end-to-end tests, each in
 * its own temporary directory, and stops them all afterwards.
 */
import http from 'node:http';
import https from 'node:https';
import { httpRequest, readText } from '../../common/src/http-request.ts';
import { certificateSha256 } from '../../common/src/tls-trust.ts';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = (name: string): string => path.join(REPO_ROOT, 'bin', `${name}.js`);

/** One running agent process and its directories. */
export interface AgentProcess {
  instanceId: string;
  root: string;
  destRoot: string;
  proc: ChildProcess;
}

/** Polls `check` every 100 ms until it returns a value other than undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A coordinator process plus agents, all under one temp dir. */
/** How a cluster's processes are started. */
export interface ClusterOptions {
  /** Extra `deckhand-coordinator start` arguments, e.g. `['--tls', 'auto']`. */
  coordinatorArgs?: string[];
  /** Extra environment of the agents (and their registration), e.g. a proxy. */
  agentEnv?: NodeJS.ProcessEnv;
  /** Extra `register` arguments; a function of the cluster (its CA) when they depend on it. */
  registerArgs?: (cluster: Cluster) => string[];
  /** The coordinator's soft limit of open files (ulimit -n), to run it out of descriptors. */
  coordinatorOpenFiles?: number;
}

export class Cluster {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'dh-e2e-'));
  readonly token = 'dh_e2e_admin_token_0123456789abcdef';
  readonly agents: AgentProcess[] = [];
  url = '';
  /** The coordinator's CA (PEM) when it serves TLS with its own CA; the test trusts it alone. */
  caPem: string | undefined;

  constructor(private readonly opts: ClusterOptions = {}) {}
  /** Hosts registered but not (yet) running an agent; keeps directory numbers unique. */
  private offline = 0;
  private coordinator: ChildProcess | undefined;
  private stderr: string[] = [];

  /** Starts the coordinator and waits until it listens. */
  async start(): Promise<void> {
    const dataDir = path.join(this.dir, 'coordinator');
    const args = ['start', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...(this.opts.coordinatorArgs ?? [])];
    this.coordinator = this.spawnLogged(BIN('deckhand-coordinator'), args, 'coordinator', {}, this.opts.coordinatorOpenFiles);
    const info = await waitFor('coordinator.json', () => {
      const file = path.join(dataDir, 'coordinator.json');
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { url: string; caSha256?: string }) : undefined;
    });
    this.url = info.url;
    const ca = path.join(dataDir, 'tls', 'ca.pem');
    this.caPem = existsSync(ca) ? readFileSync(ca, 'utf8') : undefined;
  }

  /** The CA fingerprint the coordinator printed (auto TLS). */
  caSha256(): string {
    if (this.caPem === undefined) throw new Error('the coordinator serves no CA of its own');
    return certificateSha256(this.caPem);
  }

  /** Calls the HTTP API with the admin token; returns status and parsed JSON body. */
  async api<T = any>(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
    const all: Record<string, string> = { authorization: `Bearer ${this.token}`, ...headers };
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) {
      payload = body;
      all['content-type'] = 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      all['content-type'] = 'application/json';
    }
    // Direct, whatever proxy the test sets for the agents, and trusting the coordinator's CA alone.
    const res = await httpRequest(this.url + urlPath, {
      method,
      headers: all,
      agent: this.url.startsWith('https:') ? new https.Agent() : new http.Agent(),
      ...(payload === undefined ? {} : { body: payload }),
      ...(this.caPem ? { ca: [this.caPem] } : {}),
    });
    const text = await readText(res.body);
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Registers a new host with `tags` and starts its agent; resolves once it is connected. */
  async addAgent(tags: Record<string, string>): Promise<AgentProcess> {
    const agent = await this.registerHost(tags);
    return this.runAgent(agent);
  }

  /** Registers a new host with `tags` without starting its agent (it stays offline). */
  async registerHost(tags: Record<string, string>): Promise<Omit<AgentProcess, 'proc'>> {
    const n = this.agents.length + this.offline + 1;
    this.offline += 1;
    const root = path.join(this.dir, `agent-${n}`);
    const destRoot = path.join(this.dir, `host-${n}`);
    mkdirSync(destRoot, { recursive: true });
    const token = await this.api('POST', '/v1/registration-tokens', { ttlSeconds: 600, maxUses: 1, allowTagKeys: Object.keys(tags) });
    const tagArgs = Object.entries(tags).flatMap(([k, v]) => ['--tag', `${k}=${v}`]);
    const { stdout } = await execFileP(process.execPath, [
      BIN('deckhand-agent'), 'register', '--coordinator', this.url, '--token', token.body.token,
      '--root', root, '--hostname', `host-${n}`, '--json', ...tagArgs, ...(this.opts.registerArgs?.(this) ?? []),
    ], { env: { ...this.childEnv(), ...this.opts.agentEnv } });
    const { instanceId } = JSON.parse(stdout) as { instanceId: string };
    return { instanceId, root, destRoot };
  }

  /** Starts the agent of a registered host (with `extraArgs` for `run`); resolves once it is connected. */
  async runAgent(host: Omit<AgentProcess, 'proc'>, extraArgs: string[] = []): Promise<AgentProcess> {
    const { instanceId, root, destRoot } = host;
    const n = path.basename(root);
    this.offline -= 1;
    const proc = this.spawnLogged(BIN('deckhand-agent'), ['run', '--root', root, '--dest-root', destRoot, ...extraArgs], n, this.opts.agentEnv);
    const agent = { instanceId, root, destRoot, proc };
    this.agents.push(agent);
    await waitFor(`${n} to connect`, async () => {
      const { body } = await this.api('GET', '/v1/instances');
      return body.instances.some((i: { instanceId: string; connected: boolean }) => i.instanceId === instanceId && i.connected) ? true : undefined;
    });
    return agent;
  }

  /** Kills an agent with `signal` (SIGKILL: no chance to clean up) and waits for it to exit. */
  async killAgent(agent: AgentProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (agent.proc.exitCode !== null || agent.proc.signalCode !== null) return;
    const exited = new Promise((resolve) => agent.proc.once('exit', resolve));
    agent.proc.kill(signal);
    await exited;
  }

  /** Starts a stopped agent again on the same root (a restart); resolves once it is connected. */
  async restartAgent(agent: AgentProcess, extraArgs: string[] = []): Promise<AgentProcess> {
    const index = this.agents.indexOf(agent);
    if (index !== -1) this.agents.splice(index, 1);
    this.offline += 1;
    return this.runAgent(agent, extraArgs);
  }

  /** Kills the coordinator (SIGKILL) and waits for it to exit; agents keep running. */
  async killCoordinator(): Promise<void> {
    const proc = this.coordinator;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }

  /** Starts the coordinator again on the same data directory and port (agents reconnect to the same URL). */
  async restartCoordinator(): Promise<void> {
    const dataDir = path.join(this.dir, 'coordinator');
    const listen = new URL(this.url).host;
    this.coordinator = this.spawnLogged(BIN('deckhand-coordinator'), ['start', '--data-dir', dataDir, '--listen', listen, ...(this.opts.coordinatorArgs ?? [])], 'coordinator');
    await waitFor('the coordinator to answer again', async () => {
      const ok = await this.api('GET', '/v1/instances').then((r) => r.status === 200, () => false);
      return ok ? true : undefined;
    });
  }

  /** Waits for a deployment to reach a terminal status and returns its view. */
  async waitForDeployment(id: string, ms = 60_000): Promise<any> {
    return waitFor(`deployment ${id} to finish`, async () => {
      const { body } = await this.api('GET', `/v1/deployments/${id}`);
      return ['Succeeded', 'Failed', 'Stopped'].includes(body.status) ? body : undefined;
    }, ms);
  }

  /** Polls a deployment until `check` accepts its view; returns that view. */
  async waitForView(id: string, what: string, check: (view: any) => boolean, ms = 30_000): Promise<any> {
    return waitFor(`deployment ${id} ${what}`, async () => {
      const { body } = await this.api('GET', `/v1/deployments/${id}`);
      return check(body) ? body : undefined;
    }, ms);
  }

  /** Runs the deckhand CLI against this cluster; resolves with its exit code and output. */
  async cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, DECKHAND_URL: this.url, DECKHAND_TOKEN: this.token };
    if (this.caPem) env['DECKHAND_CA_SHA256'] = this.caSha256();
    try {
      const { stdout, stderr } = await execFileP(process.execPath, [BIN('deckhand'), ...args], { env });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  /** The collected stderr of every child, for failure messages. */
  logs(): string {
    return this.stderr.join('');
  }

  /** Stops every process and removes the temp dir. */
  async stop(): Promise<void> {
    const procs = [...this.agents.map((a) => a.proc), this.coordinator].filter((p): p is ChildProcess => p !== undefined);
    await Promise.all(procs.map((p) => stopProcess(p)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private childEnv(): NodeJS.ProcessEnv {
    return { ...process.env, DECKHAND_ADMIN_TOKEN: this.token, DECKHAND_LOG_LEVEL: 'debug' };
  }

  private spawnLogged(bin: string, args: string[], name: string, env: NodeJS.ProcessEnv = {}, openFiles?: number): ChildProcess {
    const options = { env: { ...this.childEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
    // exec keeps the pid the node process's, so stopping it stops the coordinator.
    const proc =
      openFiles === undefined
        ? spawn(process.execPath, [bin, ...args], options)
        : spawn('/bin/sh', ['-c', `ulimit -n ${openFiles} && exec "$0" "$@"`, process.execPath, bin, ...args], options);
    proc.stderr?.on('data', (d: Buffer) => this.stderr.push(`[${name}] ${d.toString()}`));
    proc.stdout?.on('data', (d: Buffer) => this.stderr.push(`[${name}:out] ${d.toString()}`));
    return proc;
  }
}

/** Stops `proc` with SIGTERM (SIGKILL after 5 s) and resolves once it has exited. */
export function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}
