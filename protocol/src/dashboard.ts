/**
 * What the web dashboard reads besides the ordinary API: the signed-in session, and a compact
 * grid of a deployment's hosts × lifecycle events (GET /v1/deployments/:id/grid), small enough
 * to send whole at 10,000 hosts and to follow live as Server-Sent Events.
 */
import { z } from 'zod';
import { DeploymentSummary } from './api.ts';
import { Id, Name } from './schemas.ts';
import { INSTANCE_STATUSES } from './status.ts';

/** POST /v1/session: sign in with an API token (the cookie then carries it; never a URL). */
export const SessionRequest = z.strictObject({ token: z.string().min(1).max(512) });
export type SessionRequest = z.infer<typeof SessionRequest>;

/** Who is signed in, and the value state-changing requests send in `x-deckhand-csrf`. */
export const SessionView = z.strictObject({
  name: z.string(),
  role: z.enum(['viewer', 'deployer', 'operator', 'admin']),
  /** null: every application. */
  applications: z.array(Name).nullable(),
  /** null: every group. */
  groups: z.array(Name).nullable(),
  /** What the role may do: read, deploy, manage, admin. */
  permissions: z.array(z.enum(['read', 'deploy', 'manage', 'admin'])),
  csrf: z.string(),
});
export type SessionView = z.infer<typeof SessionView>;

/** One cell, encoded by grid-cells.ts: `S:1250`, `F:500:ScriptFailed`, `I`. */
export const GridCell = z.string().regex(/^[PISFKU](:\d*(:[A-Za-z0-9_]+)?)?$/);
export type GridCell = z.infer<typeof GridCell>;

/** One host row; `cells` follow the grid's `events`, null where the host has no such event. */
export const GridHost = z.strictObject({
  id: Id,
  hostname: z.string(),
  status: z.enum(INSTANCE_STATUSES),
  batch: z.number().int().nullable(),
  errorCode: z.string().nullable(),
  message: z.string().nullable(),
  cells: z.array(GridCell.nullable()),
});
export type GridHost = z.infer<typeof GridHost>;

/** A deployment's hosts × lifecycle events, in the order hosts are taken. */
export const GridView = z.strictObject({
  deployment: DeploymentSummary,
  /** The lifecycle events, in lifecycle order: the grid's columns. */
  events: z.array(z.string()),
  hosts: z.array(GridHost),
});
export type GridView = z.infer<typeof GridView>;

/** GET /v1/deployments/:id/grid: `follow=1` streams `grid`, then `hosts` and `deployment` changes. */
export const GridQuery = z.strictObject({ follow: z.enum(['0', '1', 'true', 'false']).optional() });
