/**
 * Health checks (/v1/health-checks): create, list, get, delete (refused while an alarm or an
 * analysis names it) and replay over a past window. Their secrets (header values, URL
 * credentials) are written once and never shown again.
 */
import type { FastifyInstance } from 'fastify';
import { CreateHealthCheckRequest, DeckhandError, ReplayQuery } from '../../../../protocol/src/index.ts';
import { replayCheck } from '../../health/replay.ts';
import { checkProblem } from '../../health/validate.ts';
import { healthCheckView } from '../../health/views.ts';
import { actorOf } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { FieldError, notFound } from '../errors.ts';
import { usesOfCheck } from '../health-refs.ts';
import { NameParams } from '../schemas.ts';
import { parseInput } from '../validate.ts';

/** Host names given as `a,b,c`. */
function names(list: string | undefined): string[] {
  return (list ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
}

/** Registers the health-check routes. */
export function healthCheckRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, clock } = deps;

  app.post('/v1/health-checks', async (request, reply) => {
    const spec = parseInput(CreateHealthCheckRequest, request.body);
    const problem = checkProblem(spec);
    if (problem) throw new FieldError('VALIDATION_FAILED', problem.field, problem.message);
    const row = { name: spec.name, type: spec.type, spec, createdAt: clock.now().toISOString(), createdBy: actorOf(request) };
    await store.health.insertCheck(row);
    return reply.code(201).send(healthCheckView(row));
  });

  app.get('/v1/health-checks', async () => ({ healthChecks: (await store.health.listChecks()).map(healthCheckView) }));

  app.get('/v1/health-checks/:name', async (request) => {
    const { name } = parseInput(NameParams, request.params, 'params');
    const row = await store.health.getCheck(name);
    if (!row) throw notFound(`health check ${name}`);
    return healthCheckView(row);
  });

  app.delete('/v1/health-checks/:name', async (request) => {
    const { name } = parseInput(NameParams, request.params, 'params');
    return store.transaction(async (tx) => {
      const row = await tx.health.getCheck(name);
      if (!row) throw notFound(`health check ${name}`);
      const uses = await usesOfCheck(tx, name);
      if (uses.length > 0) throw new DeckhandError('CONFLICT', `health check ${name} is in use by ${uses.join(' and ')}: take it out there first`);
      await tx.health.deleteCheck(name);
      return healthCheckView(row);
    });
  });

  app.get('/v1/health-checks/:name/replay', async (request) => {
    const { name } = parseInput(NameParams, request.params, 'params');
    const q = parseInput(ReplayQuery, request.query, 'query');
    const row = await store.health.getCheck(name);
    if (!row) throw notFound(`health check ${name}`);
    return replayCheck(name, row.spec, { from: new Date(q.from), to: new Date(q.to), stepSeconds: q.step, canary: names(q.canary), baseline: names(q.baseline) });
  });
}
