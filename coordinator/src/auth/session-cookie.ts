/**
 * The dashboard's session: the browser keeps the API token it signed in with in a cookie that
 * page scripts cannot read (HttpOnly), that no other site's page can make it send
 * (SameSite=Strict), sent only over TLS when the coordinator serves TLS (Secure), and that ends
 * with the browser session (no Expires). The token itself is the session: revoking it signs the
 * browser out at once, and several coordinators sharing a store need no shared session table.
 *
 * CSRF (OWASP's "signed double-submit" pattern): a request authenticated by the cookie that
 * changes something must also carry `x-deckhand-csrf`, a keyed hash of the token that only the
 * coordinator can compute and only the signed-in page is told (GET /v1/session). Another site
 * can neither read it nor set a custom header without a CORS preflight we never answer; with
 * SameSite=Strict this is defence in depth. A bearer token in Authorization needs neither.
 */
import { timingSafeEqual } from 'node:crypto';
import type { TokenHasher } from './token-hash.ts';

/** The cookie's name. */
export const SESSION_COOKIE = 'deckhand_session';

/** The header a cookie-authenticated state-changing request carries. */
export const CSRF_HEADER = 'x-deckhand-csrf';

/** Methods that change nothing, so need no CSRF header. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      // A value that is not valid percent-encoding is not one we set.
      return undefined;
    }
  }
  return undefined;
}

/** The Set-Cookie value that signs the browser in with `token`. */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that signs the browser out. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** The CSRF value of a session token: keyed with the coordinator's token key, so nobody else can make it. */
export function csrfFor(hasher: TokenHasher, token: string): string {
  return hasher.hash(`csrf:${token}`);
}

/** Why a cookie-authenticated request is refused for CSRF, or undefined when it may proceed. */
export function csrfRefusal(hasher: TokenHasher, method: string, token: string, header: string | string[] | undefined): string | undefined {
  if (SAFE_METHODS.has(method.toUpperCase())) return undefined;
  if (typeof header !== 'string' || header === '') return `a request signed in by the dashboard's cookie that changes something must send the ${CSRF_HEADER} header`;
  const expected = Buffer.from(csrfFor(hasher, token));
  const given = Buffer.from(header);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return `the ${CSRF_HEADER} header does not match this session (sign in again)`;
  return undefined;
}
