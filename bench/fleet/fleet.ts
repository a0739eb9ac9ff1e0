/**
 * The parent's handle on the fleet simulator processes: splits the hosts among them, asks them to
 * register and connect, and collects when each host finished a deployment.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { spawnNode, stopProcess } from '../lib/proc.ts';
import type { FromSimulator, HostRecord, ToSimulator } from './messages.ts';

const WORKER = path.join(import.meta.dirname, 'sim-worker.ts');

type Reply<T extends FromSimulator['type']> = Extract<FromSimulator, { type: T }>;

/** One simulator process and the replies it owes. */
class Simulator {
  private readonly waiting = new Map<string, { resolve: (m: FromSimulator) => void; reject: (e: Error) => void }>();

  constructor(
    readonly proc: ChildProcess,
    onFinished: (deploymentId: string, count: number) => void,
  ) {
    proc.on('message', (message: FromSimulator) => {
      if (message.type === 'finished') return onFinished(message.deploymentId, message.count);
      if (message.type === 'failed') return this.failAll(new Error(`fleet simulator: ${message.message}`));
      const waiter = this.waiting.get(message.type);
      this.waiting.delete(message.type);
      waiter?.resolve(message);
    });
    proc.on('exit', (code) => this.failAll(new Error(`fleet simulator exited with code ${String(code)}`)));
  }

  /** Sends `message` and resolves with the next reply of type `replyType`. */
  request<T extends FromSimulator['type']>(message: ToSimulator, replyType: T): Promise<Reply<T>> {
    return new Promise((resolve, reject) => {
      this.waiting.set(replyType, { resolve: resolve as (m: FromSimulator) => void, reject });
      this.proc.send(message);
    });
  }

  private failAll(err: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}

/** What {@link SimFleet.report} gathers over every simulator. */
export interface FleetReport {
  records: HostRecord[];
  /** Reconnections after a closed connection (several coordinators). */
  reconnects: number;
  /** Hosts sent a second, different command for a deployment they had run (a restarted host). */
  restarts: number;
  /** agent.event frames sent so far, all simulators. */
  events: number;
  /** CPU seconds the simulators used so far. */
  cpuSeconds: number;
  protocolErrors: number;
  /** Hook output lines sent, and acknowledged as stored, all simulators; frames answered busy. */
  logLinesSent: number;
  logLinesStored: number;
  logBusy: number;
}

/** N simulated hosts spread over a few simulator processes. */
export class SimFleet {
  private readonly finished = new Map<string, number>();
  private readonly finishWaiters = new Map<string, { want: number; resolve: () => void }>();
  private readonly simulators: Simulator[];

  private constructor(processes: number, eventDelayMs: number, caFile: string | undefined) {
    // A coordinator with its own CA: the simulators trust it through NODE_EXTRA_CA_CERTS (fetch and ws).
    const env = { ...process.env, BENCH_EVENT_DELAY_MS: String(eventDelayMs), ...(caFile ? { NODE_EXTRA_CA_CERTS: caFile } : {}) };
    this.simulators = Array.from({ length: processes }, () => {
      const proc = spawnNode(WORKER, [], { nodeArgs: ['--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      return new Simulator(proc, (id, count) => this.onFinished(id, count));
    });
  }

  /** Starts `processes` simulator processes whose hosts take `eventDelayMs` per lifecycle event. */
  /** Starts `processes` simulators; `caFile`: the coordinator's own CA, when it serves TLS with one. */
  static start(processes: number, eventDelayMs = 0, caFile?: string): SimFleet {
    return new SimFleet(processes, eventDelayMs, caFile);
  }

  /**
   * Registers `hosts` hosts with the registration token; resolves with the wall time in ms.
   * Several `url`s (coordinators sharing one store): simulator i registers and connects its
   * hosts to url i, and they fail over to the others in turn.
   */
  async register(url: string | readonly string[], token: string, hosts: number, concurrency: number): Promise<number> {
    const start = performance.now();
    const share = Math.ceil(hosts / this.simulators.length);
    const urls = typeof url === 'string' ? [url] : url;
    await Promise.all(
      this.simulators.map((sim, i) => {
        const first = i * share;
        const count = Math.max(0, Math.min(share, hosts - first));
        const own = i % urls.length;
        const failover = urls.length > 1 ? [...urls.slice(own), ...urls.slice(0, own)] : undefined;
        return sim.request({ type: 'register', url: urls[own]!, token, first, count, concurrency, ...(failover ? { failover } : {}) }, 'registered');
      }),
    );
    return performance.now() - start;
  }

  /** Lifecycle events take `eventDelayMs` each from now on, on every simulator. */
  async setEventDelay(eventDelayMs: number): Promise<void> {
    await Promise.all(this.simulators.map((sim) => sim.request({ type: 'delay', eventDelayMs }, 'delayed')));
  }

  /** `count` hosts of simulator `index` die (closed: their socket closes; silent: they vanish); returns their ids. */
  async kill(index: number, count: number, how: 'closed' | 'silent'): Promise<string[]> {
    const sim = this.simulators[index];
    if (!sim) throw new Error(`no simulator ${index}`);
    return (await sim.request({ type: 'die', count, how }, 'died')).instanceIds;
  }

  /** Connects every registered host; resolves with the wall time in ms once all are welcomed. */
  async connect(concurrency: number): Promise<number> {
    const start = performance.now();
    await Promise.all(this.simulators.map((sim) => sim.request({ type: 'connect', concurrency }, 'connected')));
    return performance.now() - start;
  }

  /** Resolves once `hosts` hosts reported the deployment finished and acknowledged; rejects after `timeoutMs`. */
  waitFinished(deploymentId: string, hosts: number, timeoutMs: number): Promise<void> {
    if ((this.finished.get(deploymentId) ?? 0) >= hosts) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`deployment ${deploymentId}: ${this.finished.get(deploymentId) ?? 0} of ${hosts} hosts finished in ${timeoutMs} ms`));
      }, timeoutMs);
      this.finishWaiters.set(deploymentId, { want: hosts, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** How many hosts have reported `deploymentId` finished so far. */
  finishedCount(deploymentId: string): number {
    return this.finished.get(deploymentId) ?? 0;
  }

  /** Every host's timings for `deploymentId`, and the simulators' counters. */
  async report(deploymentId: string): Promise<FleetReport> {
    const replies = await Promise.all(this.simulators.map((sim) => sim.request({ type: 'report', deploymentId }, 'report')));
    return {
      records: replies.flatMap((r) => r.records),
      events: replies.reduce((n, r) => n + r.events, 0),
      cpuSeconds: replies.reduce((n, r) => n + r.cpuSeconds, 0),
      protocolErrors: replies.reduce((n, r) => n + r.protocolErrors, 0),
      reconnects: replies.reduce((n, r) => n + r.reconnects, 0),
      restarts: replies.reduce((n, r) => n + r.restarts, 0),
      logLinesSent: replies.reduce((n, r) => n + r.logLinesSent, 0),
      logLinesStored: replies.reduce((n, r) => n + r.logLinesStored, 0),
      logBusy: replies.reduce((n, r) => n + r.logBusy, 0),
    };
  }

  /** Makes every simulated host print `linesPerHook` lines in each scripted hook from now on. */
  async setLogLines(linesPerHook: number): Promise<void> {
    await Promise.all(this.simulators.map((sim) => sim.request({ type: 'logs', linesPerHook }, 'logs-set')));
  }

  /** Closes every connection and ends the simulator processes. */
  async stop(): Promise<void> {
    for (const sim of this.simulators) if (sim.proc.connected) sim.proc.send({ type: 'stop' } satisfies ToSimulator);
    await Promise.all(this.simulators.map((sim) => stopProcess(sim.proc, 5000)));
  }

  private onFinished(deploymentId: string, count: number): void {
    const total = (this.finished.get(deploymentId) ?? 0) + count;
    this.finished.set(deploymentId, total);
    const waiter = this.finishWaiters.get(deploymentId);
    if (waiter && total >= waiter.want) {
      this.finishWaiters.delete(deploymentId);
      waiter.resolve();
    }
  }
}
