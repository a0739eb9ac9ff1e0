/**
 * Who is signed in. The token is sent once, in the body of POST /v1/session; the coordinator
 * keeps it in an HttpOnly cookie this script cannot read. What the page shows and offers follows
 * the session's permissions (the API enforces them anyway).
 */
import type { SessionView } from '../../protocol/src/index.ts';
import { api, ApiError, setCsrf } from './api.ts';
import { h } from './dom.ts';

let current: SessionView | undefined;

/** The signed-in session; only called once signed in. */
export function session(): SessionView {
  if (!current) throw new Error('not signed in');
  return current;
}

/** True when the session may do `permission` (read, deploy, manage, admin). */
export function may(permission: SessionView['permissions'][number]): boolean {
  return current?.permissions.includes(permission) ?? false;
}

function adopt(s: SessionView): SessionView {
  current = s;
  setCsrf(s.csrf);
  return s;
}

/** The session of the cookie, or undefined when not signed in. */
export async function loadSession(): Promise<SessionView | undefined> {
  try {
    return adopt(await api<SessionView>('GET', '/v1/session'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined;
    throw err;
  }
}

/** Signs out and reloads into the sign-in form. */
export async function signOut(): Promise<void> {
  await api('DELETE', '/v1/session');
  current = undefined;
  location.reload();
}

/** The sign-in form; `done` runs once signed in. */
export function signInForm(done: () => void): HTMLElement {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'token-help' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'signin',
      onsubmit: (e: SubmitEvent) => {
        e.preventDefault();
        error.textContent = '';
        api<SessionView>('POST', '/v1/session', { token: input.value })
          .then((s) => {
            adopt(s);
            done();
          })
          .catch((err: unknown) => {
            error.textContent = err instanceof Error ? err.message : String(err);
            input.focus();
          });
      },
    },
    h('h1', {}, 'Deckhand'),
    h('label', { for: 'token' }, 'API token'),
    input,
    h('p', { id: 'token-help', class: 'help' }, 'A token from deckhand tokens api create. It is kept in a cookie this page cannot read, until you sign out or close the browser.'),
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  queueMicrotask(() => input.focus());
  return form;
}
