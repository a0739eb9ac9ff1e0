/**
 * The dashboard's entry: sign-in when there is no session, else the shell (skip link,
 * navigation, who is signed in, the live connection indicator) and the view of the address.
 */
import { fill, h } from './dom.ts';
import { onConnectionState, type StreamState } from './live.ts';
import { currentRoute, onNavigate, type Route } from './router.ts';
import { loadSession, session, signInForm, signOut } from './session.ts';
import { applicationView, applicationsView, groupView } from './views/applications.ts';
import { deploymentView } from './views/deployment.ts';
import { deploymentsView } from './views/deployments.ts';
import { instancesView } from './views/instances.ts';

/** What a view leaves to undo when the page moves on (streams, timers). */
export type Cleanup = () => void;

const VIEWS: Record<Route['view'], (main: HTMLElement, route: Route) => Cleanup | void> = {
  deployments: deploymentsView,
  deployment: deploymentView,
  instances: instancesView,
  applications: applicationsView,
  application: applicationView,
  group: groupView,
};

const STATE_TEXT: Record<StreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Disconnected: reconnecting…',
  ended: 'Not live',
};

function shell(): { main: HTMLElement; nav: HTMLElement } {
  const s = session();
  const indicator = h('span', { id: 'connection', class: 'connection ended', role: 'status' }, STATE_TEXT.ended);
  onConnectionState((state) => {
    indicator.className = `connection ${state}`;
    indicator.textContent = STATE_TEXT[state];
  });
  const nav = h(
    'nav',
    { 'aria-label': 'Main' },
    h('a', { href: '/deployments' }, 'Deployments'),
    h('a', { href: '/instances' }, 'Instances'),
    h('a', { href: '/applications' }, 'Applications'),
  );
  const main = h('main', { id: 'main', tabindex: '-1' });
  const header = h(
    'header',
    {},
    h('a', { class: 'skip', href: '#main', onclick: (e: MouseEvent) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h('span', { class: 'brand' }, 'Deckhand'),
    nav,
    indicator,
    h('span', { class: 'who' }, `${s.name} (${s.role})`),
    h('button', { type: 'button', class: 'secondary', onclick: () => void signOut() }, 'Sign out'),
  );
  fill(document.body, header, main);
  return { main, nav };
}

function start(): void {
  const { main, nav } = shell();
  let cleanup: Cleanup | void;
  const render = (): void => {
    cleanup?.();
    cleanup = undefined;
    const route = currentRoute();
    for (const a of nav.querySelectorAll('a')) {
      const current = route !== undefined && location.pathname.startsWith(a.getAttribute('href') ?? '\0');
      if (current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (!route) {
      fill(main, h('h1', {}, 'Not found'), h('p', {}, `Nothing lives at ${location.pathname}. `, h('a', { href: '/deployments' }, 'See the deployments.')));
      return;
    }
    main.replaceChildren();
    cleanup = VIEWS[route.view](main, route);
    document.title = `${main.querySelector('h1')?.textContent ?? 'Deckhand'} · Deckhand`;
  };
  onNavigate(() => {
    render();
    main.focus({ preventScroll: true });
  });
  render();
}

async function boot(): Promise<void> {
  try {
    if (await loadSession()) {
      performance.mark('deckhand:session');
      return start();
    }
    fill(document.body, h('main', { id: 'main' }, signInForm(start)));
  } catch (err) {
    fill(document.body, h('main', { id: 'main' }, h('h1', {}, 'Deckhand'), h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err))));
  }
}

void boot();
