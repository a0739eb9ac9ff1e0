/**
 * Who may call which route: every request is authenticated in `onRequest` (an API token, a
 * signed agent request, or nothing for public routes) and authorised against the route's policy
 * (route-policies.ts) before its body is read; the scope check runs then too, or in
 * `preHandler` when the scope is named in the body. A route without a policy is refused to
 * everyone. 401 says who are you, 403 names the missing permission or scope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DeckhandError, SIGNATURE_HEADERS } from '../../../protocol/src/index.ts';
import { verifyAgentRequest } from '../auth/agent-auth.ts';
import { permissionRefusal, scopeRefusal, type TokenPrincipal } from '../auth/permissions.ts';
import { cookieValue, CSRF_HEADER, csrfRefusal, SESSION_COOKIE } from '../auth/session-cookie.ts';
import type { ApiDeps } from './deps.ts';
import { policyOf, type RoutePolicy, type ScopeSource } from './route-policies.ts';
import { resolveScope } from './scope.ts';

/** The authenticated caller of a request. */
export type Principal = TokenPrincipal | { kind: 'agent'; instanceId: string } | { kind: 'anonymous' };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every routed request. */
    principal: Principal | null;
  }
}

function authFailed(message: string): DeckhandError {
  return new DeckhandError('AUTH_FAILED', message);
}

function forbidden(message: string): DeckhandError {
  return new DeckhandError('FORBIDDEN', message);
}

/** The API token of a request: the Authorization header's, else the dashboard's session cookie. */
function presentedToken(request: FastifyRequest): { token: string; fromCookie: boolean } {
  const auth = request.headers.authorization;
  if (auth === undefined) {
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (cookie) return { token: cookie, fromCookie: true };
  }
  const match = auth === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (!match?.[1]) throw authFailed('missing Authorization: Bearer token');
  return { token: match[1], fromCookie: false };
}

/** The principal of an API token; throws AUTH_FAILED saying why it is not valid. */
export async function principalOfToken(deps: Pick<ApiDeps, 'store' | 'tokenHasher' | 'clock'>, secret: string): Promise<TokenPrincipal> {
  const token = await deps.store.tokens.findApiToken(deps.tokenHasher.lookup(secret));
  if (!token) throw authFailed('unknown API token');
  if (token.revokedAt !== undefined) throw authFailed(`API token ${token.name} was revoked at ${token.revokedAt}`);
  if (token.expiresAt !== undefined && token.expiresAt <= deps.clock.now().toISOString()) throw authFailed(`API token ${token.name} expired at ${token.expiresAt}`);
  return { kind: 'token', tokenId: token.tokenId, name: token.name, role: token.role, applications: token.applications, groups: token.groups };
}

async function tokenPrincipal(deps: ApiDeps, request: FastifyRequest): Promise<TokenPrincipal> {
  const { token, fromCookie } = presentedToken(request);
  const principal = await principalOfToken(deps, token);
  // Checked once the token is known to be valid, so the message never helps guess one.
  const csrf = fromCookie ? csrfRefusal(deps.tokenHasher, request.method, token, request.headers[CSRF_HEADER]) : undefined;
  if (csrf) throw forbidden(csrf);
  return principal;
}

async function agentPrincipal(deps: ApiDeps, request: FastifyRequest): Promise<Principal> {
  const certificateProblem = deps.agentClientCertificate?.(request.raw);
  if (certificateProblem !== undefined) throw authFailed(certificateProblem);
  const authDeps = { instances: deps.store.instances, clock: deps.clock, nonces: deps.nonces };
  const result = await verifyAgentRequest(authDeps, { method: request.method, path: request.url, headers: request.headers });
  if (!result.ok) throw authFailed(result.message);
  return { kind: 'agent', instanceId: result.instanceId };
}

/** The route's policy; a route without one is refused to everyone (deny by default). */
function policyFor(request: FastifyRequest): RoutePolicy {
  const url = request.routeOptions.url ?? '';
  const policy = policyOf(request.method, url);
  if (!policy) throw forbidden(`${request.method} ${url} declares no permission, so nobody may call it`);
  return policy;
}

/** Authenticates and authorises every request; see the module comment. */
export function installAuth(app: FastifyInstance, deps: ApiDeps): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    if (request.is404) {
      request.principal = { kind: 'anonymous' };
      return;
    }
    const policy = policyFor(request);
    if (policy.access === 'public') {
      request.principal = { kind: 'anonymous' };
      return;
    }
    const signed = request.headers[SIGNATURE_HEADERS.signature] !== undefined;
    if (policy.agents && request.headers.authorization === undefined && signed) {
      request.principal = await agentPrincipal(deps, request);
      return;
    }
    const principal = await tokenPrincipal(deps, request);
    request.principal = principal;
    const refusal = permissionRefusal(principal, policy.access);
    if (refusal) throw forbidden(refusal);
    // Before the body is read (an upload is refused before its bytes are sent, see
    // expect-continue.ts), unless the scope is in the body.
    if (policy.scope !== undefined && policy.scope !== 'body') await checkScope(deps, request, principal, policy.scope);
  });
  app.addHook('preHandler', async (request) => {
    const principal = request.principal;
    if (request.is404 || principal?.kind !== 'token') return;
    const policy = policyFor(request);
    if (policy.scope === 'body') await checkScope(deps, request, principal, policy.scope);
  });
}

async function checkScope(deps: ApiDeps, request: FastifyRequest, principal: TokenPrincipal, source: ScopeSource): Promise<void> {
  const refusal = scopeRefusal(principal, await resolveScope(deps, request, source));
  if (refusal) throw forbidden(refusal);
}

/** The name that acts for `request`: the token's, or `instance:<id>` for an agent. */
export function actorOf(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.kind === 'token') return p.name;
  if (p?.kind === 'agent') return `instance:${p.instanceId}`;
  return 'anonymous';
}
