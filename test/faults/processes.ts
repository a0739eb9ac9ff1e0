/**
 * The real processes of a fault run: a coordinator that can be killed with SIGKILL and started
 * again on the same data dir, and agents that can be killed and restarted on the same root (the
 * harness plays the service manager).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, stopProcess, waitFor } from '../e2e/cluster.ts';

/** A bin/ script of the repository. */
export const BIN = (name: string): string => path.join(REPO_ROOT, 'bin', `${name}.js`);

/** How much of a process's output is kept for diagnostics. */
const TAIL_CHARS = 16_000;

/** Ping interval the coordinator runs with: half-open links are noticed within seconds. */
export const HEARTBEAT_MS = 1000;

/** One child process with the tail of its output. */
export class Proc {
  readonly child: ChildProcess;
  private out = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer): void => {
      this.out = (this.out + d.toString()).slice(-TAIL_CHARS);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process wrote. */
  tail(): string {
    return this.out;
  }

  /** kill -9, then waits for the exit. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (SIGKILL after 5 s), then waits for the exit. */
  async stop(): Promise<void> {
    await stopProcess(this.child);
  }
}

/** Environment of every child: the shared admin token, quiet logs. */
export function childEnv(token: string): NodeJS.ProcessEnv {
  return { ...process.env, DECKHAND_ADMIN_TOKEN: token, DECKHAND_LOG_LEVEL: 'info' };
}

/** Every live descendant of `pid` (hooks and their wrappers outlive the agent's own process group). */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name before it may hold spaces.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // The process ended while we looked: it has no descendants left to find.
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Options of a coordinator of the fault world. */
export interface CoordinatorOptions {
  /** A fixed port (every life listens on it, so agents' other URLs stay right); 0: any. */
  port?: number;
  /** More arguments of `start` (the store of several coordinators, their shared folders). */
  args?: readonly string[];
}

/** The coordinator of a fault world: one data dir, any number of lives. */
export class CoordinatorProcess {
  proc: Proc | undefined;
  port = 0;
  lives = 0;

  constructor(
    readonly dataDir: string,
    private readonly token: string,
    private readonly opts: CoordinatorOptions = {},
  ) {}

  /** Starts it (on an ephemeral port) and waits until it listens; returns its port. */
  async start(): Promise<number> {
    const info = path.join(this.dataDir, 'coordinator.json');
    rmSync(info, { force: true });
    const args = [BIN('deckhand-coordinator'), 'start', '--data-dir', this.dataDir, '--listen', `127.0.0.1:${this.opts.port ?? 0}`, '--heartbeat-ms', String(HEARTBEAT_MS), ...(this.opts.args ?? [])];
    const proc = new Proc(args, childEnv(this.token));
    this.proc = proc;
    this.lives += 1;
    const { url } = await waitFor('the coordinator to listen', () => {
      if (!proc.running) throw new Error(`the coordinator exited at start:\n${proc.tail()}`);
      return existsSync(info) ? (JSON.parse(readFileSync(info, 'utf8')) as { url: string }) : undefined;
    });
    this.port = Number(new URL(url).port);
    return this.port;
  }

  async kill9(): Promise<void> {
    await this.proc?.kill9();
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }
}

/** An agent host: its root, install dir and current process. */
export class AgentProcess {
  proc: Proc | undefined;
  starts = 0;

  constructor(
    readonly instanceId: string,
    readonly root: string,
    readonly destRoot: string,
    private readonly token: string,
  ) {}

  /** Starts the agent process (does not wait for it to connect). */
  start(): Proc {
    // A short stall limit: half-open link faults leave downloads waiting on a silent socket, and
    // the run must end within the harness's patience (the default is 60 s, for real links).
    const args = [BIN('deckhand-agent'), 'run', '--root', this.root, '--dest-root', this.destRoot, '--download-stall-seconds', '5'];
    this.proc = new Proc(args, childEnv(this.token));
    this.starts += 1;
    return this.proc;
  }

  get running(): boolean {
    return this.proc?.running === true;
  }

  async kill9(): Promise<void> {
    await this.proc?.kill9();
  }

  /** A host crash: kill -9 the agent and every process it started (its running hooks too). */
  async crash(): Promise<void> {
    const pid = this.proc?.child.pid;
    if (pid === undefined || !this.running) return;
    const tree = descendantsOf(pid);
    await this.proc?.kill9();
    for (const p of tree) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // Already exited on its own.
      }
    }
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }
}
