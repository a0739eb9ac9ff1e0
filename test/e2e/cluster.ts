/**
 * Starts a real coordinator and real agent processes on loopback for end-to-end tests, each in
 * its own temporary directory, and stops them all afterwards.
 */
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
export class Cluster {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'dh-e2e-'));
  readonly token = 'dh_e2e_admin_token_0123456789abcdef';
  readonly agents: AgentProcess[] = [];
  url = '';
  /** Hosts registered but not (yet) running an agent; keeps directory numbers unique. */
  private offline = 0;
  private coordinator: ChildProcess | undefined;
  private stderr: string[] = [];

  /** Starts the coordinator and waits until it listens. */
  async start(): Promise<void> {
    const dataDir = path.join(this.dir, 'coordinator');
    this.coordinator = this.spawnLogged(BIN('deckhand-coordinator'), ['start', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], 'coordinator');
    const info = await waitFor('coordinator.json', () => {
      const file = path.join(dataDir, 'coordinator.json');
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { url: string }) : undefined;
    });
    this.url = info.url;
  }

  /** Calls the HTTP API with the admin token; returns status and parsed JSON body. */
  async api<T = any>(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${this.token}`, ...headers } };
    if (body instanceof Uint8Array) {
      init.body = body;
      (init.headers as Record<string, string>)['content-type'] = 'application/octet-stream';
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(this.url + urlPath, init);
    const text = await res.text();
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
    const token = await this.api('POST', '/v1/registration-tokens', { ttlSeconds: 600, maxUses: 1 });
    const tagArgs = Object.entries(tags).flatMap(([k, v]) => ['--tag', `${k}=${v}`]);
    const { stdout } = await execFileP(process.execPath, [
      BIN('deckhand-agent'), 'register', '--coordinator', this.url, '--token', token.body.token,
      '--root', root, '--hostname', `host-${n}`, '--json', ...tagArgs,
    ], { env: this.childEnv() });
    const { instanceId } = JSON.parse(stdout) as { instanceId: string };
    return { instanceId, root, destRoot };
  }

  /** Starts the agent of a registered host (with `extraArgs` for `run`); resolves once it is connected. */
  async runAgent(host: Omit<AgentProcess, 'proc'>, extraArgs: string[] = []): Promise<AgentProcess> {
    const { instanceId, root, destRoot } = host;
    const n = path.basename(root);
    this.offline -= 1;
    const proc = this.spawnLogged(BIN('deckhand-agent'), ['run', '--root', root, '--dest-root', destRoot, ...extraArgs], n);
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
    this.coordinator = this.spawnLogged(BIN('deckhand-coordinator'), ['start', '--data-dir', dataDir, '--listen', listen], 'coordinator');
    await waitFor('the coordinator to answer again', async () => {
      const ok = await fetch(`${this.url}/v1/instances`, { headers: { authorization: `Bearer ${this.token}` } }).then((r) => r.ok, () => false);
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
    const env = { ...process.env, DECKHAND_URL: this.url, DECKHAND_TOKEN: this.token };
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

  private spawnLogged(bin: string, args: string[], name: string): ChildProcess {
    const proc = spawn(process.execPath, [bin, ...args], { env: this.childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
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
