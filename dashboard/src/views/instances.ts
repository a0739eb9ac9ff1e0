/**
 * The fleet: every registered host with its tags, whether its agent is connected (and when it was
 * last seen), its agent version and OS; filtered by tag and state (kept in the address).
 */
import type { InstanceView } from '../../../protocol/src/index.ts';
import { api } from '../api.ts';
import { fill, h } from '../dom.ts';
import { time } from '../format.ts';
import { replaceQuery, type Route } from '../router.ts';

function state(i: InstanceView): HTMLElement {
  return i.connected
    ? h('span', { class: 'badge s-Succeeded' }, h('span', { 'aria-hidden': 'true' }, '●'), ' Connected')
    : h('span', { class: 'badge s-Unknown' }, h('span', { 'aria-hidden': 'true' }, '○'), ' Offline', i.lastSeen ? `, last seen ${time(i.lastSeen)}` : '');
}

function row(i: InstanceView): HTMLTableRowElement {
  const os = i.inventory ? `${i.inventory.os.distro} ${i.inventory.os.release} (${i.inventory.arch})` : '';
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, i.hostname),
    h('td', { class: 'mono' }, i.instanceId),
    h('td', {}, Object.entries(i.tags).map(([k, v]) => h('span', { class: 'tag' }, v === '' ? k : `${k}=${v}`))),
    h('td', {}, state(i)),
    h('td', {}, i.agentVersion ?? ''),
    h('td', {}, os),
  );
}

/** Renders the instances into `main`. */
export function instancesView(main: HTMLElement, route: Route): void {
  const tag = h('input', { id: 'f-tag', name: 'tag', value: route.query.get('tag') ?? '', placeholder: 'key=value or key' });
  const offline = h('input', { id: 'f-offline', name: 'offline', type: 'checkbox', checked: route.query.get('offline') === '1' });
  const body = h('tbody', {});
  const note = h('p', { class: 'help', role: 'status' });
  const load = async (): Promise<void> => {
    const q = new URLSearchParams();
    for (const t of tag.value.split(/[\s,]+/).filter(Boolean)) q.append('tag', t);
    if (offline.checked) q.set('offline', '1');
    replaceQuery({ tag: tag.value || undefined, offline: offline.checked ? '1' : undefined });
    try {
      const { instances } = await api<{ instances: InstanceView[] }>('GET', `/v1/instances${q.size ? `?${q}` : ''}`);
      fill(body, instances.length === 0 ? h('tr', {}, h('td', { colspan: 6 }, 'No instance matches.')) : instances.map(row));
      note.textContent = `${instances.length} instances (${instances.filter((i) => i.connected).length} connected).`;
    } catch (err) {
      note.textContent = err instanceof Error ? err.message : String(err);
    }
  };
  fill(
    main,
    h('h1', {}, 'Instances'),
    h('form', { class: 'filters', 'aria-label': 'Filters', onsubmit: (e: SubmitEvent) => { e.preventDefault(); void load(); } },
      h('span', { class: 'field' }, h('label', { for: 'f-tag' }, 'Tags'), tag),
      h('span', { class: 'field' }, offline, h('label', { for: 'f-offline' }, 'Offline only')),
      h('button', { type: 'submit' }, 'Filter')),
    note,
    h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ['Hostname', 'Instance', 'Tags', 'Agent', 'Version', 'OS'].map((c) => h('th', { scope: 'col' }, c)))), body)),
  );
  void load();
}
