/**
 * Who may call which route. Every route needs an admin bearer token unless its config says
 * otherwise: `none` (health, registration) or `adminOrAgent` (bundle download, which agents
 * authorise with a signed request instead).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DeckhandError, SIGNATURE_HEADERS } from '../../../protocol/src/index.ts';
import { verifyAgentRequest } from '../auth/agent-auth.ts';
import type { ApiDeps } from './deps.ts';

/** How a route authenticates its caller. */
export type AuthMode = 'admin' | 'adminOrAgent' | 'none';

/** The authenticated caller of a request. */
export type Principal = { kind: 'admin'; name: string } | { kind: 'agent'; instanceId: string } | { kind: 'anonymous' };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** @default "admin" */
    auth?: AuthMode;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every routed request. */
    principal: Principal | null;
  }
}

function authFailed(message: string): DeckhandError {
  return new DeckhandError('AUTH_FAILED', message);
}

async function adminPrincipal(deps: ApiDeps, request: FastifyRequest): Promise<Principal> {
  const auth = request.headers.authorization;
  const match = auth === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (!match?.[1]) throw authFailed('missing Authorization: Bearer token');
  const token = await deps.store.tokens.findApiToken(match[1]);
  if (!token) throw authFailed('unknown API token');
  return { kind: 'admin', name: token.name };
}

async function agentPrincipal(deps: ApiDeps, request: FastifyRequest): Promise<Principal> {
  const certificateProblem = deps.agentClientCertificate?.(request.raw);
  if (certificateProblem !== undefined) throw authFailed(certificateProblem);
  const authDeps = { instances: deps.store.instances, clock: deps.clock, nonces: deps.nonces };
  const result = await verifyAgentRequest(authDeps, { method: request.method, path: request.url, headers: request.headers });
  if (!result.ok) throw authFailed(result.message);
  return { kind: 'agent', instanceId: result.instanceId };
}

/** Authenticates every request in `onRequest`, before any body is read. */
export function installAuth(app: FastifyInstance, deps: ApiDeps): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const mode: AuthMode = request.routeOptions.config.auth ?? 'admin';
    if (mode === 'none' || request.is404) {
      request.principal = { kind: 'anonymous' };
      return;
    }
    const signed = request.headers[SIGNATURE_HEADERS.signature] !== undefined;
    const agent = mode === 'adminOrAgent' && request.headers.authorization === undefined && signed;
    request.principal = await (agent ? agentPrincipal(deps, request) : adminPrincipal(deps, request));
  });
}
