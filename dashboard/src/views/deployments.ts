/**
 * The deployments, newest first, filtered by application, group and status (kept in the address),
 * each with its progress; refreshed every few seconds while the tab is visible.
 */
import type { ApplicationView, DeploymentList, DeploymentSummary } from '../../../protocol/src/index.ts';
import { api, query } from '../api.ts';
import { fill, h } from '../dom.ts';
import { span, time } from '../format.ts';
import { replaceQuery, seg, type Route } from '../router.ts';
import { badge } from '../status-badge.ts';

const STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Succeeded', 'Failed', 'Stopped', 'Ready'];
const REFRESH_MS = 5000;

/** The progress of a deployment: a bar and its words. */
export function progress(d: DeploymentSummary): HTMLElement {
  const o = d.overview;
  const total = o.Pending + o.InProgress + o.Succeeded + o.Failed + o.Skipped + (o.WaitingForAgent ?? 0);
  const done = o.Succeeded + o.Failed + o.Skipped;
  const words = `${done} of ${total} hosts done${o.Failed > 0 ? `, ${o.Failed} failed` : ''}`;
  return h('span', { class: 'progress' }, h('progress', { max: Math.max(total, 1), value: done, 'aria-label': words }), ' ', words);
}

function row(d: DeploymentSummary): HTMLTableRowElement {
  return h(
    'tr',
    {},
    h('td', {}, badge(d.status)),
    h('td', {}, h('a', { href: `/deployments/${seg(d.deploymentId)}` }, d.deploymentId)),
    h('td', {}, d.applicationName, ' / ', d.deploymentGroupName),
    h('td', {}, progress(d)),
    h('td', { class: 'mono' }, d.revisionId),
    h('td', {}, d.creator),
    h('td', {}, time(d.startTime ?? d.createTime)),
    h('td', {}, span(d.startTime, d.completeTime)),
  );
}

function select(name: string, label: string, options: string[], value: string, onchange: (v: string) => void): HTMLElement {
  const s = h('select', { id: `f-${name}`, name, onchange: () => onchange(s.value) }, h('option', { value: '' }, 'any'), options.map((o) => h('option', { value: o, selected: o === value }, o)));
  return h('span', { class: 'field' }, h('label', { for: `f-${name}` }, label), s);
}

/** Renders the list into `main`. */
export function deploymentsView(main: HTMLElement, route: Route): () => void {
  const filter = { application: route.query.get('application') ?? '', group: route.query.get('group') ?? '', status: route.query.get('status') ?? '' };
  const body = h('tbody', {});
  const note = h('p', { class: 'help', role: 'status' });
  const filters = h('form', { class: 'filters', 'aria-label': 'Filters', onsubmit: (e: SubmitEvent) => e.preventDefault() });
  const changed = (key: keyof typeof filter) => (v: string) => {
    filter[key] = v;
    replaceQuery(filter);
    void load();
  };
  const groupInput = h('input', { id: 'f-group', name: 'group', value: filter.group, onchange: () => changed('group')(groupInput.value) });
  fill(filters, select('application', 'Application', [], filter.application, changed('application')), h('span', { class: 'field' }, h('label', { for: 'f-group' }, 'Group'), groupInput), select('status', 'Status', STATUSES, filter.status, changed('status')));
  fill(
    main,
    h('h1', {}, 'Deployments'),
    filters,
    h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ['Status', 'Deployment', 'Application / group', 'Progress', 'Revision', 'Creator', 'Started', 'Duration'].map((c) => h('th', { scope: 'col' }, c)))), body)),
    note,
  );
  void api<{ applications: ApplicationView[] }>('GET', '/v1/applications').then(({ applications }) => {
    filters.firstChild?.replaceWith(select('application', 'Application', applications.map((a) => a.name), filter.application, changed('application')));
  });
  let stopped = false;
  const load = async (): Promise<void> => {
    try {
      const list = await api<DeploymentList>('GET', `/v1/deployments${query({ ...filter, limit: 50 })}`);
      if (stopped) return;
      fill(body, list.deployments.length === 0 ? h('tr', {}, h('td', { colspan: 8 }, 'No deployment matches.')) : list.deployments.map(row));
      note.textContent = `Updated ${new Date().toLocaleTimeString()}; refreshed every ${REFRESH_MS / 1000} s.`;
    } catch (err) {
      note.textContent = err instanceof Error ? err.message : String(err);
    }
  };
  void load();
  const timer = setInterval(() => document.visibilityState === 'visible' && void load(), REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
