/**
 * POST /v1/session signs a browser in with an API token (sets the session cookie, see
 * auth/session-cookie.ts), GET /v1/session says who is signed in and gives the page its CSRF
 * value, DELETE /v1/session signs out. The token travels in the body, never in a URL, and is
 * neither logged nor audited.
 */
import type { FastifyInstance } from 'fastify';
import { DeckhandError, SessionRequest, type SessionView } from '../../../../protocol/src/index.ts';
import { noteAudit } from '../audit-hook.ts';
import { principalOfToken } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { parseInput } from '../validate.ts';
import { ROLE_PERMISSIONS, type TokenPrincipal } from '../../auth/permissions.ts';
import { clearedSessionCookie, cookieValue, csrfFor, SESSION_COOKIE, sessionCookie } from '../../auth/session-cookie.ts';

function sessionView(p: TokenPrincipal, csrf: string): SessionView {
  return { name: p.name, role: p.role, applications: p.applications, groups: p.groups, permissions: [...ROLE_PERMISSIONS[p.role]], csrf };
}

/** Registers the session routes. */
export function sessionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const secure = deps.https !== undefined;

  app.post('/v1/session', async (request, reply) => {
    const { token } = parseInput(SessionRequest, request.body);
    const principal = await principalOfToken(deps, token);
    // The sign-in is recorded under the token's name; its details stay empty: they would hold the token.
    noteAudit(request, { actor: principal.name, target: principal.name, details: {} });
    void reply.header('set-cookie', sessionCookie(token, secure));
    return sessionView(principal, csrfFor(deps.tokenHasher, token));
  });

  app.get('/v1/session', async (request) => {
    const p = request.principal;
    // The same token the auth hook accepted: Authorization first, else the cookie.
    const auth = request.headers.authorization;
    const token = auth === undefined ? cookieValue(request.headers.cookie, SESSION_COOKIE) : /^Bearer\s+(\S+)/i.exec(auth)?.[1];
    if (p?.kind !== 'token' || token === undefined) throw new DeckhandError('AUTH_FAILED', 'not signed in');
    return sessionView(p, csrfFor(deps.tokenHasher, token));
  });

  app.delete('/v1/session', async (_request, reply) => {
    void reply.header('set-cookie', clearedSessionCookie(secure));
    return reply.code(204).send();
  });
}
