/**
 * The coordinator's Prometheus metrics (prom-client, its own registry): fleet counts read from
 * the store at each scrape, and counters and histograms fed as things happen (event intake,
 * lifecycle event durations, hook output, webhook failures, API latency, store transactions).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DeckhandError, type AgentEventBody } from '../../../protocol/src/index.ts';
import type { Store } from '../store/store.ts';

/** The figures the rest of the coordinator feeds. */
export interface MetricsSink {
  agentEvent(instanceId: string, body: AgentEventBody): void;
  hookOutput(lines: number, bytes: number): void;
  hookOutputBusy(): void;
  webhookFailure(): void;
  /** An agent's journal and the store were found out of step at its hello (journal-resync.ts). */
  journalResync(finding: string): void;
}

/** Bounds a map of running events (their start times) so a flood of starts without ends cannot grow it. */
const MAX_RUNNING = 200_000;

/** The metrics of one coordinator. */
export class CoordinatorMetrics implements MetricsSink {
  readonly registry = new Registry();
  private readonly events: Counter<'status'>;
  private readonly durations: Histogram<'event' | 'status'>;
  private readonly outputLines: Counter;
  private readonly outputBytes: Counter;
  private readonly outputBusy: Counter;
  private readonly webhookFailures: Counter;
  private readonly resyncs: Counter<'finding'>;
  readonly apiLatency: Histogram<'method' | 'route' | 'code'>;
  readonly storeTransactions: Histogram;
  private readonly running = new Map<string, number>();

  constructor(store: Store, connectedAgents: () => number) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'deckhand_process_' });
    this.events = new Counter({ name: 'deckhand_agent_events_total', help: 'Agent events received (intake rate)', labelNames: ['status'], registers });
    this.durations = new Histogram({
      name: 'deckhand_lifecycle_event_duration_seconds',
      help: 'How long lifecycle events took on hosts, by event and final status',
      labelNames: ['event', 'status'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    });
    this.outputLines = new Counter({ name: 'deckhand_hook_output_lines_total', help: 'Hook output lines stored', registers });
    this.outputBytes = new Counter({ name: 'deckhand_hook_output_bytes_total', help: 'Hook output bytes stored (line text)', registers });
    this.outputBusy = new Counter({ name: 'deckhand_hook_output_busy_total', help: 'agent.log frames answered busy (intake full; the agent sends them again)', registers });
    this.webhookFailures = new Counter({ name: 'deckhand_webhook_delivery_failures_total', help: 'Webhook delivery attempts that failed', registers });
    this.resyncs = new Counter({
      name: 'deckhand_journal_resync_total',
      help: 'Hellos that found an agent journal and the store out of step, by finding (coordinator_behind, events_lost, agent_behind, diverged)',
      labelNames: ['finding'],
      registers,
    });
    this.apiLatency = new Histogram({ name: 'deckhand_api_request_duration_seconds', help: 'HTTP API latency', labelNames: ['method', 'route', 'code'], buckets: [0.005, 0.02, 0.1, 0.5, 2, 10], registers });
    this.storeTransactions = new Histogram({ name: 'deckhand_store_transaction_seconds', help: 'Store unit-of-work time (waiting for the store included)', buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2], registers });
    this.fleetGauges(store, connectedAgents);
  }

  private fleetGauges(store: Store, connectedAgents: () => number): void {
    const registers = [this.registry];
    // The first gauge's collect reads the store once per scrape for all of them.
    const deployments: Gauge<'status'> = new Gauge({ name: 'deckhand_deployments', help: 'Deployments by status', labelNames: ['status'], registers, collect: () => refresh() });
    const hosts = new Gauge({ name: 'deckhand_hosts', help: 'Hosts of unfinished deployments, by their status', labelNames: ['state'], registers });
    const agents = new Gauge({ name: 'deckhand_agents', help: 'Registered agents, connected or offline', labelNames: ['state'], registers });
    const outbox = new Gauge({ name: 'deckhand_webhook_outbox_depth', help: 'Webhook messages waiting to be delivered', registers });
    let pending: Promise<void> | undefined;
    const refresh = (): Promise<void> =>
      (pending ??= store.stats.fleetCounts().then((c) => {
        deployments.reset();
        for (const [k, n] of Object.entries(c.deployments)) deployments.set({ status: k }, n);
        hosts.reset();
        for (const [k, n] of Object.entries(c.hosts)) hosts.set({ state: k }, n);
        const connected = connectedAgents();
        agents.set({ state: 'connected' }, connected);
        agents.set({ state: 'offline' }, Math.max(0, c.instances - connected));
        outbox.set(c.webhookOutbox);
      }).finally(() => {
        pending = undefined;
      }));
  }

  /** {@inheritDoc MetricsSink.agentEvent} */
  agentEvent(instanceId: string, body: AgentEventBody): void {
    this.events.inc({ status: body.status });
    if (body.lifecycleEvent === undefined) return;
    const key = `${instanceId} ${body.deploymentId} ${body.lifecycleEvent}`;
    if (body.status === 'InProgress') {
      if (this.running.size < MAX_RUNNING) this.running.set(key, Date.parse(body.at));
      return;
    }
    const started = this.running.get(key);
    this.running.delete(key);
    if (started !== undefined) this.durations.observe({ event: body.lifecycleEvent, status: body.status }, Math.max(0, Date.parse(body.at) - started) / 1000);
  }

  /** {@inheritDoc MetricsSink.hookOutput} */
  hookOutput(lines: number, bytes: number): void {
    this.outputLines.inc(lines);
    this.outputBytes.inc(bytes);
  }

  /** {@inheritDoc MetricsSink.hookOutputBusy} */
  hookOutputBusy(): void {
    this.outputBusy.inc();
  }

  /** {@inheritDoc MetricsSink.webhookFailure} */
  webhookFailure(): void {
    this.webhookFailures.inc();
  }

  /** {@inheritDoc MetricsSink.journalResync} */
  journalResync(finding: string): void {
    this.resyncs.inc({ finding });
  }
}

/** Times every unit of work of `store` into `histogram` (the store object is changed in place). */
export function timeTransactions(store: Store, histogram: Histogram): void {
  const original = store.transaction.bind(store);
  store.transaction = async (work) => {
    const end = histogram.startTimer();
    try {
      return await original(work);
    } finally {
      end();
    }
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * GET /metrics for any live API token (every role may read) or the scrape token
 * (`--metrics-token`), and the API latency histogram. The route is public in the route policies:
 * it checks its own tokens, since the scrape token is not an API token.
 */
export function metricsRoutes(app: FastifyInstance, metrics: CoordinatorMetrics, isApiToken: (token: string) => Promise<boolean>, scrapeToken: string | undefined): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.apiLatency.observe({ method: request.method, route, code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  const authorize = async (request: FastifyRequest): Promise<void> => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const token = match?.[1];
    if (token === undefined) throw new DeckhandError('AUTH_FAILED', 'missing Authorization: Bearer token (the admin token or the metrics token)');
    if (scrapeToken !== undefined && sameSecret(token, scrapeToken)) return;
    if (!(await isApiToken(token))) throw new DeckhandError('AUTH_FAILED', 'unknown, revoked or expired token');
  };
  app.get('/metrics', async (request, reply) => {
    await authorize(request);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
