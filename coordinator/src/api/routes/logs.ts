/**
 * GET /v1/deployments/:id/logs: a deployment's hook output, paged by cursor, or followed live as
 * Server-Sent Events (`follow=1`, see logs/follow.ts for why SSE) until the deployment ends.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ID_PATTERN, LogsQuery, type LogPage } from '../../../../protocol/src/index.ts';
import { LogFeed } from '../../logs/feed.ts';
import { cutView, followLogs, lineView, type FollowQuery } from '../../logs/follow.ts';
import type { TargetRecord } from '../../store/deployments/views.ts';
import type { ApiDeps, LogSettings } from '../deps.ts';
import { FieldError, notFound } from '../errors.ts';
import { IdParams } from '../schemas.ts';
import { parseInput } from '../validate.ts';

/** The instance id a query's `instance` names (an id or a hostname among the deployment's hosts). */
function resolveInstance(targets: readonly TargetRecord[], instance: string | undefined): string | undefined {
  if (instance === undefined) return undefined;
  const byId = ID_PATTERN.test(instance) ? targets.find((t) => t.instanceId === instance) : undefined;
  const found = byId ?? targets.find((t) => t.hostname === instance);
  if (!found) throw new FieldError('NOT_FOUND', 'instance', `instance: ${instance} is not a host of this deployment`);
  return found.instanceId;
}

async function page(deps: ApiDeps, settings: LogSettings, q: FollowQuery & { limit: number }, hostnames: Map<string, string>): Promise<Omit<LogPage, 'deploymentStatus'>> {
  const lines = await deps.store.logs.read({ ...q, limit: q.limit + 1 });
  const shown = lines.slice(0, q.limit);
  const summary = await deps.store.logs.summary(q.deploymentId);
  const cut = (await deps.store.logs.cutStreams(q.deploymentId))
    .filter((s) => (q.instanceId === undefined || s.instanceId === q.instanceId) && (q.lifecycleEvent === undefined || s.lifecycleEvent === q.lifecycleEvent))
    .map((s) => cutView(s, hostnames.get(s.instanceId) ?? ''));
  return {
    deploymentId: q.deploymentId,
    lines: shown.map(lineView),
    nextAfter: shown.length > 0 ? (shown[shown.length - 1]?.cursor ?? q.after) : q.after,
    more: lines.length > q.limit,
    cut,
    ...(summary?.expiredAt === undefined ? {} : { expiredAt: summary.expiredAt }),
    retention: { maxBytesPerDeployment: settings.maxBytesPerDeployment, days: settings.days },
  };
}

/** The cursor to resume after: a reconnecting EventSource's Last-Event-ID wins over `after`. */
function resumeAfter(request: FastifyRequest, after: number): number {
  const last = request.headers['last-event-id'];
  const n = typeof last === 'string' && /^\d{1,15}$/.test(last) ? Number(last) : undefined;
  return n ?? after;
}

async function follow(deps: ApiDeps, feed: LogFeed, q: FollowQuery, hostnames: Map<string, string>, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  const stop = new AbortController();
  request.raw.socket.once('close', () => stop.abort());
  res.once('close', () => stop.abort());
  const sink = {
    write: (text: string) => !res.writableEnded && res.write(text),
    drained: () => new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    }),
  };
  const followDeps = { store: deps.store, feed, summary: (id: string) => deps.scheduler.getDeploymentSummary(id), hostnameOf: (id: string) => hostnames.get(id) ?? '' };
  try {
    await followLogs(followDeps, q, sink, stop.signal);
  } catch (err) {
    deps.logger.error('following hook output failed', { deploymentId: q.deploymentId, err });
  } finally {
    res.end();
  }
}

/** Registers the logs route. */
export function logRoutes(app: FastifyInstance, deps: ApiDeps, settings: LogSettings): void {
  const feed = deps.logFeed ?? new LogFeed();
  app.get('/v1/deployments/:id/logs', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'params');
    const query = parseInput(LogsQuery, request.query, 'query');
    const summary = await deps.scheduler.getDeploymentSummary(id);
    if (!summary) throw notFound(`deployment ${id}`);
    const targets = await deps.store.deploymentViews.targets(id);
    const hostnames = new Map(targets.map((t) => [t.instanceId, t.hostname]));
    const instanceId = resolveInstance(targets, query.instance);
    const q: FollowQuery = { deploymentId: id, after: resumeAfter(request, query.after) };
    if (instanceId !== undefined) q.instanceId = instanceId;
    if (query.event !== undefined) q.lifecycleEvent = query.event;
    if (query.follow === '1' || query.follow === 'true') return follow(deps, feed, q, hostnames, request, reply);
    return { ...(await page(deps, settings, { ...q, limit: query.limit }, hostnames)), deploymentStatus: summary.status };
  });
}
