/**
 * What the web dashboard reads besides the ordinary API: the signed-in session, and a compact
 * grid of a deployment's hosts × lifecycle events (GET /v1/deployments/:id/grid), one page of
 * hosts at a time with the count of every status, followed live as Server-Sent Events. At
 * 10,000 hosts the whole grid was 1.9 MB and took the coordinator about half a second to read;
 * a page is 100 hosts whatever the fleet size.
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

/** Hosts on one page of the grid. */
export const GRID_PAGE_SIZE = 100;

/** From this many hosts, the grid groups them by status (in {@link GRID_STATUS_ORDER}). */
export const GRID_GROUP_FROM = 1000;

/** Order of the status groups: what needs attention first. */
export const GRID_STATUS_ORDER = ['Failed', 'InProgress', 'WaitingForAgent', 'Pending', 'Ready', 'Unknown', 'Skipped', 'Succeeded'] as const satisfies readonly (typeof INSTANCE_STATUSES)[number][];

/** How many hosts are in each status (statuses without any left out). */
export const GridCounts = z.partialRecord(z.enum(INSTANCE_STATUSES), z.number().int().min(0));
export type GridCounts = z.infer<typeof GridCounts>;

/**
 * One page of a deployment's hosts × lifecycle events: the hosts in the order they are taken,
 * grouped by status from {@link GRID_GROUP_FROM} hosts (unless filtered by one status).
 */
export const GridView = z.strictObject({
  deployment: DeploymentSummary,
  /** The lifecycle events, in lifecycle order: the grid's columns (every agent event, then any other a host of this page has). */
  events: z.array(z.string()),
  /** The hosts of this page. */
  hosts: z.array(GridHost),
  /** Every host of the deployment, by status. */
  counts: GridCounts,
  /** The status the hosts are filtered by; null: every host. */
  status: z.enum(INSTANCE_STATUSES).nullable(),
  /** Hosts under the filter. */
  shown: z.number().int().min(0),
  /** This page, from 1, and how many there are (at least 1). */
  page: z.number().int().min(1),
  pages: z.number().int().min(1),
  pageSize: z.number().int().min(1),
  /** The hosts are grouped by status. */
  grouped: z.boolean(),
});
export type GridView = z.infer<typeof GridView>;

/**
 * GET /v1/deployments/:id/grid: one page (`page`, from 1) of the hosts, filtered by `status`;
 * `host` asks for the page that shows that host (under the filter when it matches it, else of
 * every host). `follow=1` streams `grid`, then `hosts` that changed on the page, `counts` and
 * `deployment` changes, and the whole page again when its hosts or columns change.
 */
export const GridQuery = z.strictObject({
  follow: z.enum(['0', '1', 'true', 'false']).optional(),
  status: z.enum(INSTANCE_STATUSES).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  host: z.optional(Id),
});
export type GridQuery = z.infer<typeof GridQuery>;

/** What changed in a followed grid besides its hosts: the counts, and so the pages. */
export const GridCountsChange = GridView.pick({ counts: true, shown: true, pages: true });
export type GridCountsChange = z.infer<typeof GridCountsChange>;
