/**
 * Applications and their deployment groups: a group's tag filters, deployment config, last
 * successful deployment and recent deployments.
 */
import type { ApplicationView, DeploymentGroupView, DeploymentList, TagFilter } from '../../../protocol/src/index.ts';
import { api, query } from '../api.ts';
import { fill, h, type Child } from '../dom.ts';
import { span, time } from '../format.ts';
import { seg, type Route } from '../router.ts';
import { badge } from '../status-badge.ts';
import { progress } from './deployments.ts';

function filterText(f: TagFilter): string {
  if (f.type === 'KEY_ONLY') return `${f.key ?? ''} (any value)`;
  if (f.type === 'VALUE_ONLY') return `any key = ${f.value ?? ''}`;
  return `${f.key ?? ''}=${f.value ?? ''}`;
}

function selection(g: DeploymentGroupView): Child {
  const parts: Child[] = [];
  if (g.tagFilters.length > 0) parts.push(`any of: ${g.tagFilters.map(filterText).join(', ')}`);
  if (g.tagSet) parts.push(`all of: ${g.tagSet.map((set) => `(${set.map(filterText).join(' or ')})`).join(' and ')}`);
  if (g.instanceNames && g.instanceNames.length > 0) parts.push(`named: ${g.instanceNames.join(', ')}`);
  return parts.length === 0 ? 'no host' : parts.join('; ');
}

function guard(el: HTMLElement, work: () => Promise<void>): void {
  work().catch((err: unknown) => fill(el, h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err))));
}

function groupsTable(app: string, groups: readonly DeploymentGroupView[]): HTMLElement {
  const head = h('tr', {}, ['Group', 'Selects', 'Config', 'Last successful deployment'].map((c) => h('th', { scope: 'col' }, c)));
  const rows = groups.map((g) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: `/applications/${seg(app)}/groups/${seg(g.name)}` }, g.name)),
      h('td', {}, selection(g)),
      h('td', {}, g.deploymentConfigName),
      h('td', {}, g.lastSuccessfulDeploymentId ? h('a', { href: `/deployments/${seg(g.lastSuccessfulDeploymentId)}` }, g.lastSuccessfulDeploymentId) : 'none yet'),
    ),
  );
  return h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, head), h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 4 }, 'No deployment group.')))));
}

/** Every application with its groups. */
export function applicationsView(main: HTMLElement): void {
  const list = h('div', {}, h('p', { class: 'help' }, 'Loading…'));
  fill(main, h('h1', {}, 'Applications'), list);
  guard(list, async () => {
    const { applications } = await api<{ applications: ApplicationView[] }>('GET', '/v1/applications');
    const sections = await Promise.all(
      applications.map(async (a) => {
        const { deploymentGroups } = await api<{ deploymentGroups: DeploymentGroupView[] }>('GET', `/v1/applications/${seg(a.name)}/deployment-groups`);
        return h('section', {}, h('h2', {}, h('a', { href: `/applications/${seg(a.name)}` }, a.name)), groupsTable(a.name, deploymentGroups));
      }),
    );
    fill(list, sections.length ? sections : h('p', {}, 'No application yet.'));
  });
}

/** One application: its groups. */
export function applicationView(main: HTMLElement, route: Route): void {
  const app = route.params['app'] ?? '';
  const body = h('div', {});
  fill(main, h('h1', {}, `Application ${app}`), body);
  guard(body, async () => {
    const { deploymentGroups } = await api<{ deploymentGroups: DeploymentGroupView[] }>('GET', `/v1/applications/${seg(app)}/deployment-groups`);
    fill(body, groupsTable(app, deploymentGroups));
  });
}

/** One deployment group: its configuration and recent deployments. */
export function groupView(main: HTMLElement, route: Route): void {
  const app = route.params['app'] ?? '';
  const group = route.params['group'] ?? '';
  const body = h('div', {});
  fill(main, h('h1', {}, `Group ${app} / ${group}`), body);
  guard(body, async () => {
    const [g, recent] = await Promise.all([
      api<DeploymentGroupView>('GET', `/v1/applications/${seg(app)}/deployment-groups/${seg(group)}`),
      api<DeploymentList>('GET', `/v1/deployments${query({ application: app, group, limit: 10 })}`),
    ]);
    const item = (term: string, value: Child) => [h('dt', {}, term), h('dd', {}, value)];
    fill(
      body,
      h('dl', { class: 'facts' },
        item('Selects', selection(g)),
        item('Config', g.deploymentConfigName),
        item('Auto rollback', g.autoRollbackConfiguration?.enabled ? `on (${g.autoRollbackConfiguration.events.join(', ')})` : 'off'),
        item('New hosts', g.autoDeployNewInstances === false ? 'not deployed automatically' : 'get the last successful revision'),
        item('Last successful', g.lastSuccessfulDeploymentId ? h('a', { href: `/deployments/${seg(g.lastSuccessfulDeploymentId)}` }, g.lastSuccessfulDeploymentId) : 'none yet'),
        item('Created', time(g.createTime))),
      h('h2', {}, 'Recent deployments'),
      h('div', { class: 'scroll' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Status', 'Deployment', 'Progress', 'Revision', 'Started', 'Duration'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, recent.deployments.map((d) => h('tr', {},
          h('td', {}, badge(d.status)),
          h('td', {}, h('a', { href: `/deployments/${seg(d.deploymentId)}` }, d.deploymentId)),
          h('td', {}, progress(d)),
          h('td', { class: 'mono' }, d.revisionId),
          h('td', {}, time(d.startTime ?? d.createTime)),
          h('td', {}, span(d.startTime, d.completeTime))))))),
    );
  });
}
