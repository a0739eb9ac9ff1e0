/**
 * GET /v1/deployments/:id/grid: the deployment's hosts × lifecycle events in the dashboard's
 * compact form (protocol dashboard.ts); with `follow=1`, Server-Sent Events (as the logs API:
 * the same token or session, TLS and proxies): `grid` first, then `hosts` that changed and
 * `deployment` when its summary did, `end` once it is over. A reader too slow to take the
 * changes is sent the whole grid again when its socket drains, so nothing is queued for it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GridQuery, type GridView } from '../../../../protocol/src/index.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { IdParams } from '../schemas.ts';
import { parseInput } from '../validate.ts';
import { LogFeed } from '../../logs/feed.ts';
import { buildGrid } from '../../dashboard/grid.ts';
import { GridWatch, type GridMessage, type GridWatchOptions } from '../../dashboard/grid-watch.ts';

/** A keepalive comment this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/** Reads the grid of a deployment from the store; undefined when there is none. */
export async function readGrid(deps: Pick<ApiDeps, 'scheduler' | 'store'>, deploymentId: string): Promise<GridView | undefined> {
  const summary = await deps.scheduler.getDeploymentSummary(deploymentId);
  if (!summary) return undefined;
  const { targets, events } = await deps.store.read(async (tx) => ({
    targets: await tx.deploymentViews.targets(deploymentId),
    events: await tx.deploymentViews.eventCells(deploymentId),
  }));
  return buildGrid(summary, targets, events);
}

function sse(m: GridMessage): string {
  const { type, ...data } = m;
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function follow(watch: GridWatch, deploymentId: string, request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  let backedUp = false;
  let latest: GridView | undefined;
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  const unsubscribe = watch.subscribe(deploymentId, (m) => {
    if (m.type === 'grid') latest = m.grid;
    if (res.writableEnded) return;
    if (m.type === 'end') {
      res.end(sse(m));
      return;
    }
    // Behind: skip changes, send the whole grid once the socket drains (bounded memory).
    if (backedUp) return;
    if (!res.write(sse(m))) backedUp = true;
  });
  res.on('drain', () => {
    if (!backedUp) return;
    backedUp = false;
    const grid = latest;
    if (grid && !res.writableEnded) res.write(sse({ type: 'grid', grid }));
  });
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    unsubscribe();
  };
  request.raw.socket.once('close', close);
  res.once('close', close);
}

/** Registers the grid route. */
export function gridRoutes(app: FastifyInstance, deps: ApiDeps, opts: GridWatchOptions = {}): void {
  const log = deps.logger.child({ component: 'dashboard' });
  const watch = new GridWatch((id) => readGrid(deps, id), deps.logFeed ?? new LogFeed(), (deploymentId, err) => {
    log.error('following a deployment grid failed', { event: 'grid.failed', deploymentId, err });
  }, opts);
  app.get('/v1/deployments/:id/grid', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const query = parseInput(GridQuery, request.query, 'query');
    if (query.follow === '1' || query.follow === 'true') {
      if (!(await deps.scheduler.getDeploymentSummary(id))) throw notFound(`deployment ${id}`);
      return follow(watch, id, request, reply);
    }
    const grid = await readGrid(deps, id);
    if (!grid) throw notFound(`deployment ${id}`);
    return grid;
  });
}
