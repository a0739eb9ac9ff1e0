/**
 * Webhook delivery, apart from the rollout so it never delays a deployment: a loop reads what
 * changed since it was last announced (store/webhooks.ts), turns it into CodeDeploy trigger
 * events in the outbox of every subscribed webhook (in the unit of work that marks it announced),
 * and POSTs each webhook's oldest pending message, signed per Standard Webhooks. A failed attempt
 * is tried again with exponential backoff (5 s doubling, at most an hour apart) until the message
 * is 24 hours old. Everything lives in the store: a restart loses and repeats nothing but an
 * attempt in flight, which the receiver deduplicates by its webhook-id. Every coordinator on a
 * shared store runs this loop: a change is announced by whichever unit of work marks it first,
 * and a message is sent by the coordinator that claimed it (for the length of an attempt; if
 * that coordinator dies meanwhile, another sends it once the claim has run out).
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import { httpRequest } from '../../../common/src/http-request.ts';
import { newId } from '../../../common/src/ids.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { TriggerEvent } from '../../../protocol/src/index.ts';
import type { Store, UnitOfWork } from '../store/store.ts';
import type { AttemptOutcome, DeliveryRow, Unannounced } from '../store/webhooks.ts';
import { deploymentEvents, deploymentPayload, instanceEvents, instancePayload, PAYLOAD_HEALTH_RESULTS } from './payloads.ts';

/** How long a message is tried. */
export const DELIVERY_WINDOW_MS = 24 * 3600 * 1000;
const FIRST_RETRY_MS = 5000;
const MAX_RETRY_MS = 3600 * 1000;
const ATTEMPT_TIMEOUT_MS = 10_000;
/** How long a claimed message is left to its coordinator: its attempt, and time to record it. */
const CLAIM_MS = ATTEMPT_TIMEOUT_MS + 5000;
const IDLE_MS = 1000;
const PARALLEL = 16;

/** A new webhook secret: `whsec_` and 24 random bytes in base64, as Standard Webhooks writes them. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The wait before attempt `n + 1`, after `n` failed ones. */
export function retryDelayMs(failed: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failed - 1), MAX_RETRY_MS);
}

/** POSTs one signed message; the receiver's status, or the error that kept an answer from coming. */
export type PostWebhook = (url: string, headers: Record<string, string>, body: string) => Promise<{ status: number }>;

async function postWithHttp(url: string, headers: Record<string, string>, body: string): Promise<{ status: number }> {
  const res = await httpRequest(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS), maxRedirects: 0 });
  res.body.resume();
  return { status: res.status };
}

/** What the notifier needs. */
export interface NotifierDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** @default an HTTP POST with a 10 s timeout */
  post?: PostWebhook;
  /** Told of each failed attempt (metrics). */
  onFailure?: () => void;
}

function lockOrder(changes: readonly Unannounced[]): Unannounced[] {
  const hosts = changes.filter((c) => c.instanceId !== undefined).sort((x, y) => ((x.instanceId as string) < (y.instanceId as string) ? -1 : 1));
  return [...hosts, ...changes.filter((c) => c.instanceId === undefined)];
}

/** Announces changes and delivers them. One per coordinator. */
export class WebhookNotifier {
  private readonly log: Logger;
  private readonly post: PostWebhook;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private again = false;

  constructor(private readonly deps: NotifierDeps) {
    this.log = deps.logger.child({ component: 'webhooks' });
    this.post = deps.post ?? postWithHttp;
  }

  /** Starts the loop. */
  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Something may have changed: run soon. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      this.running = this.cycle().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, 0);
  }

  /** Stops the loop once the running cycle is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.again) {
      this.again = false;
      this.wake();
      return;
    }
    this.timer = this.deps.clock.setTimeout(() => this.wake(), IDLE_MS);
  }

  /** One pass: announce what changed, then deliver what is due. Never rejects. */
  async cycle(): Promise<void> {
    if (!this.deps.store.open) return;
    try {
      await this.announce();
      await this.deliver();
    } catch (err) {
      this.log.error('webhook cycle failed', { err });
    }
  }

  /** Turns unannounced changes into deliveries, one deployment per unit of work. */
  async announce(): Promise<void> {
    const changes = await this.deps.store.webhooks.unannounced(500);
    const byDeployment = new Map<string, Unannounced[]>();
    for (const c of changes) byDeployment.set(c.deploymentId, [...(byDeployment.get(c.deploymentId) ?? []), c]);
    for (const [deploymentId, list] of byDeployment) await this.deps.store.transaction((tx) => this.announceDeployment(tx, deploymentId, list));
  }

  private async announceDeployment(tx: UnitOfWork, deploymentId: string, changes: Unannounced[]): Promise<void> {
    const d = await tx.deploymentViews.deployment(deploymentId);
    if (!d) return;
    // Another coordinator may have announced some of them since they were read: only the rest.
    // Hosts first, by id, then the deployment: the order the event intake locks rows in.
    const claimed: Unannounced[] = [];
    for (const c of lockOrder(changes)) if (await tx.webhooks.markAnnounced(c)) claimed.push(c);
    const first = claimed[0];
    if (!first) return;
    const hooks = await tx.webhooks.listOfGroup(first.deploymentGroupId);
    const at = this.deps.clock.now().toISOString();
    const counts = await tx.deploymentViews.countTargets(deploymentId);
    // Messages in the order the changes were read (hosts by position).
    const mine = new Set(claimed);
    const own = changes.find((c) => mine.has(c) && c.instanceId === undefined);
    const hosts = changes.filter((c) => mine.has(c) && c.instanceId !== undefined);
    const { before, after } = own ? deploymentEvents(own, d.startedAt !== undefined) : { before: [], after: [] };
    const health = before.length + after.length > 0 ? await tx.health.resultsOf(deploymentId, PAYLOAD_HEALTH_RESULTS) : [];
    const messages: Array<{ event: TriggerEvent; body: (name: string) => string; instanceId?: string }> = [];
    for (const event of before) messages.push({ event, body: (name) => deploymentPayload(event, name, d, counts, at, health) });
    if (hosts.length > 0) {
      const targets = new Map((await tx.deploymentViews.targets(deploymentId)).map((t) => [t.instanceId, t]));
      const events = await tx.deploymentViews.events(deploymentId);
      for (const change of hosts) {
        const t = targets.get(change.instanceId as string);
        if (!t) continue;
        const its = events.filter((e) => e.instanceId === t.instanceId);
        for (const event of instanceEvents(change)) messages.push({ event, instanceId: t.instanceId, body: (name) => instancePayload(event, name, deploymentId, t, its, at) });
      }
    }
    for (const event of after) messages.push({ event, body: (name) => deploymentPayload(event, name, d, counts, at, health) });
    for (const m of messages) {
      for (const hook of hooks.filter((h) => h.events.includes(m.event))) {
        await tx.webhooks.enqueue({ deliveryId: newId('msg', 16), webhookId: hook.webhookId, event: m.event, deploymentId, ...(m.instanceId ? { instanceId: m.instanceId } : {}), payload: m.body(hook.name), createdAt: at });
      }
    }
  }

  /** Sends every webhook's oldest due message (several webhooks at once). */
  async deliver(): Promise<void> {
    const now = this.deps.clock.now();
    const due = await this.deps.store.webhooks.due(now.toISOString(), PARALLEL, new Date(now.getTime() + CLAIM_MS).toISOString());
    await Promise.all(due.map((d) => this.attempt(d)));
  }

  private async attempt(d: DeliveryRow & { url: string; secret: string }): Promise<void> {
    const now = this.deps.clock.now();
    const started = this.deps.clock.monotonicMs();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'deckhand-webhooks',
      'webhook-id': d.deliveryId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(d.secret).sign(d.deliveryId, now, d.payload),
    };
    let outcome: Omit<AttemptOutcome, 'retryAt'>;
    try {
      const res = await this.post(d.url, headers, d.payload);
      outcome = { at: now.toISOString(), statusCode: res.status, durationMs: Math.round(this.deps.clock.monotonicMs() - started), ok: res.status >= 200 && res.status < 300 };
    } catch (err) {
      // The reason without the URL: it may name a path the operator considers private.
      const code = (err as { code?: unknown }).code;
      const reason = typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
      outcome = { at: now.toISOString(), error: `no answer (${reason})`, durationMs: Math.round(this.deps.clock.monotonicMs() - started), ok: false };
    }
    const retry = now.getTime() + retryDelayMs(d.attempts + 1);
    const retryAt = outcome.ok || retry > Date.parse(d.createdAt) + DELIVERY_WINDOW_MS ? undefined : new Date(retry).toISOString();
    if (!outcome.ok) {
      this.deps.onFailure?.();
      this.log.warn('webhook delivery failed', { webhookId: d.webhookId, deliveryId: d.deliveryId, event: d.event, statusCode: outcome.statusCode, error: outcome.error, retryAt });
    }
    await this.deps.store.webhooks.recordAttempt(d.deliveryId, { ...outcome, ...(retryAt === undefined ? {} : { retryAt }) });
  }
}
