/**
 * Webhooks of deployment groups and their durable outbox. Deliveries are made from what the
 * store says changed (a deployment's or host's status past what was last announced), in the
 * same unit of work that marks it announced, so a coordinator restart loses and repeats none;
 * a webhook's deliveries go out one at a time, oldest first, so a receiver sees them in order.
 * Several coordinators may announce and deliver from one store: a change is announced by the
 * unit of work that marks it (markAnnounced answers whether this one did), and a delivery is
 * attempted by the coordinator that claimed it (due), so neither is sent twice.
 */
import type { TriggerEvent } from '../../../protocol/src/index.ts';

/** One stored webhook. `secret` signs; it never leaves the coordinator after creation. */
export interface WebhookRow {
  webhookId: string;
  deploymentGroupId: string;
  name: string;
  url: string;
  events: TriggerEvent[];
  secret: string;
  createdAt: string;
}

/** A message waiting in (or gone through) the outbox. */
export interface DeliveryRow {
  deliveryId: string;
  webhookId: string;
  event: string;
  deploymentId?: string;
  instanceId?: string;
  payload: string;
  status: 'Pending' | 'Succeeded' | 'Failed';
  attempts: number;
  createdAt: string;
  nextAttemptAt?: string;
}

/** One attempt, as recorded. */
export interface AttemptRow {
  deliveryId: string;
  attempt: number;
  at: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/** A state change not announced yet: a deployment's or one of its hosts'. */
export interface Unannounced {
  deploymentId: string;
  deploymentGroupId: string;
  /** Absent for the deployment itself. */
  instanceId?: string;
  /** What was last announced (null: nothing yet). */
  announced: string | null;
  status: string;
  /** A deployment that triggered a rollback not announced yet. */
  rollback?: boolean;
}

/** How an attempt went. */
export interface AttemptOutcome {
  at: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
  /** Delivered (2xx). */
  ok: boolean;
  /** When to try again; absent: no more tries (delivered, or given up). */
  retryAt?: string;
}

/** Reads and writes webhooks and their outbox. */
export interface WebhookRepository {
  /** Creates a webhook; CONFLICT when the group has one of that name. */
  insert(input: Omit<WebhookRow, 'webhookId'>): Promise<WebhookRow>;
  /** The group's webhooks, by name. */
  listOfGroup(deploymentGroupId: string): Promise<WebhookRow[]>;
  /** Removes a webhook with its deliveries; false when there is none of that name. */
  remove(deploymentGroupId: string, name: string): Promise<boolean>;
  /** Changes nobody announced yet, of deployments of groups with webhooks, oldest first. */
  unannounced(limit: number): Promise<Unannounced[]>;
  /**
   * Records what was announced for a deployment (or one of its hosts), if what was announced is
   * still `change.announced` (and, for a rollback, the rollback was not announced). False: another
   * unit of work announced it meanwhile, and this one must not.
   */
  markAnnounced(change: Unannounced): Promise<boolean>;
  /** Adds a message to a webhook's outbox, due at `at`. */
  enqueue(delivery: Omit<DeliveryRow, 'status' | 'attempts' | 'nextAttemptAt'>): Promise<void>;
  /**
   * Claims the oldest pending delivery of each webhook that is due at `at` (at most `limit`): each
   * is not due again before `claimUntil` (its attempt records when it really is), so another
   * coordinator does not send it meanwhile, and one whose sender died is sent again after that.
   * Returned as they were before the claim.
   */
  due(at: string, limit: number, claimUntil: string): Promise<Array<DeliveryRow & { url: string; secret: string }>>;
  /** Records an attempt and moves the delivery on (delivered, retry later, or given up). */
  recordAttempt(deliveryId: string, outcome: AttemptOutcome): Promise<void>;
  /** The earliest next attempt of any pending delivery. */
  nextDue(): Promise<string | undefined>;
  /** A webhook's latest deliveries, newest first, with their attempts. */
  deliveries(webhookId: string, limit: number): Promise<Array<DeliveryRow & { attemptList: AttemptRow[] }>>;
}
