/**
 * Addresses of the dashboard: every view has its own path, and what is selected in it (host,
 * lifecycle event, filters, page) is in the query string, so any state can be shared as a link
 * and survives a reload. The coordinator answers the page at each of these paths.
 */

/** A matched address. */
export interface Route {
  view: 'deployments' | 'deployment' | 'instances' | 'applications' | 'application' | 'group';
  params: Record<string, string>;
  query: URLSearchParams;
}

const PATTERNS: ReadonlyArray<[RegExp, Route['view'], string[]]> = [
  [/^\/(?:deployments)?\/?$/, 'deployments', []],
  [/^\/deployments\/([^/]+)$/, 'deployment', ['id']],
  [/^\/instances$/, 'instances', []],
  [/^\/applications$/, 'applications', []],
  [/^\/applications\/([^/]+)$/, 'application', ['app']],
  [/^\/applications\/([^/]+)\/groups\/([^/]+)$/, 'group', ['app', 'group']],
];

/** The route of the current address, or undefined for an unknown one. */
export function currentRoute(loc: Location = location): Route | undefined {
  for (const [re, view, names] of PATTERNS) {
    const m = re.exec(loc.pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] ?? '')));
    return { view, params, query: new URLSearchParams(loc.search) };
  }
  return undefined;
}

let onChange: () => void = () => undefined;

/** Sets what runs when the address changes (a link, back/forward). */
export function onNavigate(handler: () => void): void {
  onChange = handler;
  window.addEventListener('popstate', () => onChange());
  // Links inside the app change the address without reloading the page.
  document.addEventListener('click', (e) => {
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const href = a.getAttribute('href');
    if (!href?.startsWith('/') || a.target !== '') return;
    e.preventDefault();
    navigate(href);
  });
}

/** Goes to `href` (a new history entry) and renders it. */
export function navigate(href: string): void {
  history.pushState(null, '', href);
  onChange();
}

/** Changes the query string of the current view without a new history entry or a new render. */
export function replaceQuery(params: Record<string, string | undefined>): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  history.replaceState(null, '', `${location.pathname}${s === '' ? '' : `?${s}`}`);
}

/** A path segment, encoded. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
