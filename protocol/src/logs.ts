/**
 * HTTP API shapes of hook output: GET /v1/deployments/:id/logs pages through a deployment's
 * stored lines by cursor; with follow=1 it streams them (Server-Sent Events, see the route).
 */
import { z } from 'zod';
import { DeploymentStatusSchema, Id, LifecycleEventNameSchema } from './schemas.ts';

/** One stored line. `cursor` orders a deployment's lines as stored; `seq` numbers one host's event's lines. */
export const LogLineView = z.strictObject({
  cursor: z.number().int().positive(),
  instanceId: Id,
  hostname: z.string(),
  lifecycleEvent: z.string(),
  seq: z.number().int().positive(),
  at: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  text: z.string(),
});
export type LogLineView = z.infer<typeof LogLineView>;

/** Lines of one host's event that reached the coordinator but were not kept (the deployment's log was full). */
export const LogCutView = z.strictObject({
  instanceId: Id,
  hostname: z.string(),
  lifecycleEvent: z.string(),
  lines: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type LogCutView = z.infer<typeof LogCutView>;

/** How long and how much hook output the coordinator keeps. */
export const LogRetentionView = z.strictObject({
  maxBytesPerDeployment: z.number().int().positive(),
  days: z.number().int().positive(),
});
export type LogRetentionView = z.infer<typeof LogRetentionView>;

/** One page of a deployment's hook output. */
export const LogPage = z.strictObject({
  deploymentId: Id,
  lines: z.array(LogLineView),
  /** Pass as `after` for the next page (or to follow from here). */
  nextAfter: z.number().int().nonnegative(),
  /** More lines are stored after this page now. */
  more: z.boolean(),
  /** What was not kept, per host and event; empty when nothing was cut. */
  cut: z.array(LogCutView),
  /** Set when the lines were deleted for their age. */
  expiredAt: z.string().optional(),
  retention: LogRetentionView,
  deploymentStatus: DeploymentStatusSchema,
});
export type LogPage = z.infer<typeof LogPage>;

/** The query of GET /v1/deployments/:id/logs. */
export const LogsQuery = z.strictObject({
  /** An instance id or hostname. */
  instance: z.string().min(1).max(255).optional(),
  event: z.optional(LifecycleEventNameSchema),
  /** Lines after this cursor. @default 0 */
  after: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
  /** @default 1000 */
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  /** `1`: stream new lines as Server-Sent Events until the deployment ends. */
  follow: z.enum(['0', '1', 'true', 'false']).optional(),
});
export type LogsQuery = z.input<typeof LogsQuery>;

/**
 * The Server-Sent Events of a followed log: `lines` ({lines: LogLineView[]}, its id the last
 * cursor, so a reconnect with Last-Event-ID resumes after it), `deployment` (status and counts
 * when they change), `cut` (LogCutView[] when more was cut) and `end` (the deployment is over
 * and its lines are all sent).
 */
export const LOG_STREAM_EVENTS = ['lines', 'deployment', 'cut', 'end'] as const;
