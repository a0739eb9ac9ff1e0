/**
 * A fleet simulator process: registers its share of simulated hosts through the real API,
 * connects them, and reports to the parent (Node IPC) when hosts finish deployments.
 * Started by fleet.ts; not meant to be run by hand.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { RegisterInstanceResponse } from '../../protocol/src/index.ts';
import type { FromSimulator, HostRecord, ToSimulator } from './messages.ts';
import { SimAgent, type SimContext } from './sim-agent.ts';

const agents: SimAgent[] = [];
const records = new Map<string, HostRecord[]>();
const finishedSinceFlush = new Map<string, number>();
let flushTimer: NodeJS.Timeout | undefined;

const ctx: SimContext = {
  url: '',
  urls: [],
  eventDelayMs: Number(process.env['BENCH_EVENT_DELAY_MS'] ?? '0'),
  logLinesPerHook: 0,
  stats: { events: 0, protocolErrors: 0, reconnects: 0, restarts: 0, logLinesSent: 0, logLinesStored: 0, logBusy: 0 },
  onFinished(record) {
    const list = records.get(record.deploymentId) ?? [];
    list.push(record);
    records.set(record.deploymentId, list);
    finishedSinceFlush.set(record.deploymentId, (finishedSinceFlush.get(record.deploymentId) ?? 0) + 1);
    // Coalesce notifications: the parent reads exact times from the report, not from these.
    flushTimer ??= setTimeout(flushFinished, 20);
  },
};

function tell(message: FromSimulator): void {
  process.send?.(message);
}

function flushFinished(): void {
  flushTimer = undefined;
  for (const [deploymentId, count] of finishedSinceFlush) tell({ type: 'finished', deploymentId, count });
  finishedSinceFlush.clear();
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
async function inParallel<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

async function registerOne(url: string, token: string, hostname: string): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const res = await fetch(`${url}/v1/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, hostname, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), tags: {} }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`registering ${hostname} answered ${res.status}: ${text}`);
  const { instanceId } = RegisterInstanceResponse.parse(JSON.parse(text));
  agents.push(new SimAgent(instanceId, hostname, privateKey as KeyObject, ctx));
}

async function handle(message: ToSimulator): Promise<void> {
  switch (message.type) {
    case 'register': {
      ctx.url = message.url;
      ctx.urls = message.failover ?? [];
      const start = performance.now();
      const names = Array.from({ length: message.count }, (_, i) => `sim-${message.first + i}`);
      await inParallel(names, message.concurrency, (name) => registerOne(message.url, message.token, name));
      tell({ type: 'registered', count: agents.length, ms: performance.now() - start });
      return;
    }
    case 'connect': {
      const start = performance.now();
      await inParallel(agents, message.concurrency, (agent) => agent.connect());
      tell({ type: 'connected', count: agents.length, ms: performance.now() - start });
      return;
    }
    case 'report': {
      const usage = process.cpuUsage();
      tell({
        type: 'report',
        deploymentId: message.deploymentId,
        records: records.get(message.deploymentId) ?? [],
        events: ctx.stats.events,
        cpuSeconds: (usage.user + usage.system) / 1e6,
        protocolErrors: ctx.stats.protocolErrors,
        reconnects: ctx.stats.reconnects,
        restarts: ctx.stats.restarts,
        logLinesSent: ctx.stats.logLinesSent,
        logLinesStored: ctx.stats.logLinesStored,
        logBusy: ctx.stats.logBusy,
      });
      return;
    }
    case 'delay':
      ctx.eventDelayMs = message.eventDelayMs;
      tell({ type: 'delayed' });
      return;
    case 'die': {
      const victims = agents.splice(0, message.count);
      for (const agent of victims) agent.die(message.how);
      tell({ type: 'died', instanceIds: victims.map((a) => a.instanceId) });
      return;
    }
    case 'logs':
      ctx.logLinesPerHook = message.linesPerHook;
      tell({ type: 'logs-set' });
      return;
    case 'stop':
      for (const agent of agents) agent.close();
      process.disconnect();
      return;
  }
}

process.on('message', (message: ToSimulator) => {
  handle(message).catch((err: unknown) => tell({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
});
