/**
 * GET /v1/deployments/:id/grid: one page of the deployment's hosts × lifecycle events in the
 * dashboard's compact form (protocol dashboard.ts); with `follow=1`, Server-Sent Events (as the
 * logs API: the same token or session, TLS and proxies): `grid` first, then `hosts` of the page
 * that changed, `counts` and `deployment` when they did, the whole page again when its hosts
 * changed, `end` once it is over. A reader too slow to take the changes is sent the whole page
 * again when its socket drains, so nothing is queued for it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GridQuery, type GridView } from '../../../../protocol/src/index.ts';
import type { TargetRecord } from '../../store/deployments/views.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { IdParams } from '../schemas.ts';
import { parseInput } from '../validate.ts';
import { LogFeed } from '../../logs/feed.ts';
import { buildGrid } from '../../dashboard/grid.ts';
import { countsRecord, layoutPage, pageOfHost, type GridPageQuery } from '../../dashboard/grid-page.ts';
import { GridWatch, type GridMessage, type GridWatchOptions } from '../../dashboard/grid-watch.ts';

/** A keepalive comment this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/** What reading the grid needs. */
export interface GridDeps {
  scheduler: Pick<ApiDeps['scheduler'], 'getDeploymentSummary'>;
  store: ApiDeps['store'];
}

/** Reads one page of a deployment's grid from the store; undefined when there is no deployment. */
export async function readGrid(deps: GridDeps, deploymentId: string, query: GridPageQuery): Promise<GridView | undefined> {
  const summary = await deps.scheduler.getDeploymentSummary(deploymentId);
  if (!summary) return undefined;
  return deps.store.read(async (tx) => {
    const counts = countsRecord(await tx.deploymentViews.countTargets(deploymentId));
    const { windows, ...facts } = layoutPage(counts, query);
    const targets: TargetRecord[] = [];
    for (const window of windows) targets.push(...(await tx.deploymentViews.targetWindow(deploymentId, window)));
    const events = targets.length === 0 ? [] : await tx.deploymentViews.eventCells(deploymentId, targets.map((t) => t.instanceId));
    return buildGrid(summary, targets, events, { counts, ...facts });
  });
}

/** The page a query asks for: the one that shows `host` when it names a host of the deployment. */
export async function askedPage(deps: Pick<ApiDeps, 'store'>, deploymentId: string, query: GridQuery): Promise<GridPageQuery> {
  const asked: GridPageQuery = { ...(query.status === undefined ? {} : { status: query.status }), page: query.page ?? 1 };
  if (query.host === undefined) return asked;
  const host = query.host;
  return deps.store.read(async (tx) => {
    const place = await tx.deploymentViews.targetPlace(deploymentId, host);
    if (!place) return asked;
    return pageOfHost(place, countsRecord(await tx.deploymentViews.countTargets(deploymentId)), query.status);
  });
}

function sse(m: GridMessage): string {
  const { type, ...data } = m;
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function follow(watch: GridWatch, deploymentId: string, query: GridPageQuery, request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  let backedUp = false;
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  const unsubscribe = watch.subscribe(deploymentId, query, (m) => {
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
    const grid = watch.latest(deploymentId, query);
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
  const watch = new GridWatch((id, query) => readGrid(deps, id, query), deps.logFeed ?? new LogFeed(), (deploymentId, err) => {
    log.error('following a deployment grid failed', { event: 'grid.failed', deploymentId, err });
  }, opts);
  app.get('/v1/deployments/:id/grid', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const query = parseInput(GridQuery, request.query, 'query');
    if (!(await deps.scheduler.getDeploymentSummary(id))) throw notFound(`deployment ${id}`);
    const page = await askedPage(deps, id, query);
    if (query.follow === '1' || query.follow === 'true') return follow(watch, id, page, request, reply);
    const grid = await readGrid(deps, id, page);
    if (!grid) throw notFound(`deployment ${id}`);
    return grid;
  });
}
