/**
 * The audit log: GET /v1/audit reads it (filtered by time and actor, paged by sequence number),
 * GET /v1/audit/verify checks its hash chain from the first record.
 */
import type { FastifyInstance } from 'fastify';
import { AuditQuery } from '../../../../protocol/src/index.ts';
import { verifyAudit } from '../../audit/log.ts';
import type { ApiDeps } from '../deps.ts';
import { parseInput } from '../validate.ts';

/** Registers the audit routes. */
export function auditRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/v1/audit', async (request) => {
    const query = parseInput(AuditQuery, request.query, 'query');
    const records = await deps.store.audit.list({
      limit: query.limit,
      ...(query.since === undefined ? {} : { since: new Date(query.since).toISOString() }),
      ...(query.actor === undefined ? {} : { actor: query.actor }),
      ...(query.after === undefined ? {} : { afterSeq: query.after }),
    });
    return { records };
  });

  app.get('/v1/audit/verify', async () => verifyAudit(deps.store));
}
