/**
 * Records every state-changing request in the audit log before its answer leaves: who (the
 * token's name, or the instance), what (`METHOD /route`), on what, with which fields, and how it
 * ended. Requests without a credential that are refused (401) are logged, not recorded: anyone
 * could otherwise fill the audit log. A route can add to its record with {@link noteAudit} (a
 * registration names the new instance as its actor).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../../../common/src/logger.ts';
import { auditDetails } from '../audit/details.ts';
import { appendAudit } from '../audit/log.ts';
import type { AuditEntry } from '../store/audit.ts';
import type { Store } from '../store/store.ts';
import { actorOf } from './auth.ts';

/** What a route adds to, or overrides in, its request's audit record. */
export interface AuditNote {
  actor?: string;
  action?: string;
  target?: string;
  details?: Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyRequest {
    auditNote: AuditNote | null;
  }
}

/** Routes that change nothing although they are not GETs. */
const READ_ONLY = new Set(['POST /v1/deployments/plan']);

/** Adds `note` to the audit record of `request`. */
export function noteAudit(request: FastifyRequest, note: AuditNote): void {
  request.auditNote = { ...request.auditNote, ...note };
}

function targetOf(request: FastifyRequest): string | undefined {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const named = ['id', 'name'].map((k) => params[k]).find((v) => typeof v === 'string');
  if (typeof named === 'string') return named;
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
  const app = params['app'] ?? body['applicationName'] ?? body['name'];
  const group = params['group'] ?? body['deploymentGroupName'];
  if (typeof app !== 'string') return undefined;
  return typeof group === 'string' ? `${app}/${group}` : app;
}

function outcomeOf(statusCode: number, payload: unknown): string {
  if (statusCode < 400 || typeof payload !== 'string') return String(statusCode);
  try {
    const code = (JSON.parse(payload) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? `${statusCode} ${code}` : String(statusCode);
  } catch {
    return String(statusCode);
  }
}

function recorded(request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD' || request.is404) return false;
  if (READ_ONLY.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return false;
  if (request.auditNote?.actor !== undefined) return true;
  const p = request.principal;
  return p !== null && p.kind !== 'anonymous';
}

/** Installs the hook; the record is written before the answer is sent. */
export function installAudit(app: FastifyInstance, deps: { store: Store; clock: { now(): Date }; logger: Logger }): void {
  app.decorateRequest('auditNote', null);
  app.addHook('onSend', async (request, reply, payload) => {
    if (!recorded(request)) return payload;
    const note = request.auditNote ?? {};
    const target = note.target ?? targetOf(request);
    const entry: AuditEntry = {
      at: deps.clock.now().toISOString(),
      actor: note.actor ?? actorOf(request),
      action: note.action ?? `${request.method} ${request.routeOptions.url ?? request.url}`,
      ...(target === undefined ? {} : { target }),
      requestId: request.id,
      details: note.details ?? auditDetails(request),
      outcome: outcomeOf(reply.statusCode, payload),
    };
    try {
      const record = await appendAudit(deps.store, entry);
      deps.logger.info('audit', { event: 'audit', seq: record.seq, actor: entry.actor, action: entry.action, target, outcome: entry.outcome, hash: record.hash });
    } catch (err) {
      // The action has happened; failing its answer would make the caller retry it.
      deps.logger.error('audit record not written', { event: 'audit.failed', actor: entry.actor, action: entry.action, target, err });
    }
    return payload;
  });
}
