/**
 * One deployment, live: its facts, where its rollout stands (step k of n, bake countdown,
 * approval, pause), the actions the session may take, the hosts × events grid, and the hook
 * output of the chosen cell. The address names the deployment, and `host`, `event`, `status`
 * and `page` name what is shown, so a link opens the same view.
 */
import type { DeploymentSummary, GridCountsChange, GridHost, GridView } from '../../../protocol/src/index.ts';
import { api, ApiError, query } from '../api.ts';
import { fill, h } from '../dom.ts';
import { duration, span, time } from '../format.ts';
import { follow, type Stream } from '../live.ts';
import { replaceQuery, seg, type Route } from '../router.ts';
import { badge } from '../status-badge.ts';
import { ActionBar } from './actions.ts';
import { progress } from './deployments.ts';
import { GridPanel } from './grid.ts';
import { STATUS_ORDER } from './grid-model.ts';
import { HookOutput } from './hook-output.ts';

function facts(d: DeploymentSummary): HTMLElement {
  const item = (term: string, ...value: Array<Node | string>) => [h('dt', {}, term), h('dd', {}, ...value)];
  return h(
    'dl',
    { class: 'facts' },
    item('Status', badge(d.status)),
    item('Progress', progress(d)),
    item('Application', h('a', { href: `/applications/${seg(d.applicationName)}` }, d.applicationName)),
    item('Group', h('a', { href: `/applications/${seg(d.applicationName)}/groups/${seg(d.deploymentGroupName)}` }, d.deploymentGroupName)),
    item('Revision', h('span', { class: 'mono' }, d.revisionId)),
    item('Config', d.deploymentConfigName),
    item('Creator', d.creator),
    item('Started', time(d.startTime ?? d.createTime)),
    item('Duration', h('span', { class: 'duration' }, span(d.startTime, d.completeTime) || '—')),
    d.errorInformation ? item('Error', `${d.errorInformation.code}: ${d.errorInformation.message}`) : [],
  );
}

function rolloutText(d: DeploymentSummary, now: number): string {
  const r = d.rollout;
  if (!r) return '';
  const parts = [`Step ${r.step} of ${r.steps}`];
  if (r.paused) parts.push('paused: no new host starts until resumed');
  if (r.waitingFor === 'bake' && r.bakeUntil) parts.push(`baking: ${duration(Math.max(0, Date.parse(r.bakeUntil) - now))} left`);
  if (r.waitingFor === 'approval') parts.push('waiting for approval');
  if (r.approval === 'Approved' && r.approvedBy) parts.push(`approved by ${r.approvedBy}`);
  return parts.join(' · ');
}

/** Renders the deployment page into `main`. */
export function deploymentView(main: HTMLElement, route: Route): () => void {
  const id = route.params['id'] ?? '';
  const header = h('div', {});
  const rollout = h('p', { class: 'rollout', role: 'status' });
  const actions = new ActionBar();
  // The page of hosts asked of the coordinator; `host` (a shared link) asks for the page that shows it.
  const linkedStatus = route.query.get('status') ?? '';
  const asked = {
    // A status the coordinator does not know would be refused: every host instead.
    status: (STATUS_ORDER as readonly string[]).includes(linkedStatus) ? linkedStatus : '',
    page: Math.max(1, Math.floor(Number(route.query.get('page') ?? '1')) || 1),
    host: route.query.get('host') ?? '',
  };
  const grid = new GridPanel({ select: (host, event) => choose(host, event), viewChanged: (status, page) => askFor(status, page) }, asked.status, asked.page);
  const outputSlot = h('div', {});
  const loading = h('p', { class: 'help', role: 'status' }, 'Loading the hosts…');
  fill(main, h('h1', {}, `Deployment ${id}`), header, rollout, actions.el, actions.answer, loading, grid.el, outputSlot);
  let summary: DeploymentSummary | undefined;
  let output: HookOutput | undefined;
  let wanted = route.query.get('host') && route.query.get('event') ? { host: route.query.get('host') as string, event: route.query.get('event') as string } : undefined;

  const showSummary = (d: DeploymentSummary): void => {
    summary = d;
    fill(header, facts(d));
    rollout.textContent = rolloutText(d, Date.now());
    actions.update(d);
  };
  const openOutput = (host: GridHost, event: string): void => {
    output?.close();
    const index = grid.model.events.indexOf(event);
    output = new HookOutput(id, host, event, index, () => closeOutput());
    fill(outputSlot, output.el);
  };
  const closeOutput = (): void => {
    output?.close();
    output = undefined;
    outputSlot.replaceChildren();
    replaceQuery({ host: undefined, event: undefined });
  };
  function choose(hostId: string, event: string): void {
    const host = grid.model.host(hostId);
    if (!host) return;
    replaceQuery({ host: hostId, event });
    grid.select(hostId, event);
    openOutput(host, event);
  }
  const gridUrl = (): string => `/v1/deployments/${seg(id)}/grid${query({ follow: 1, status: asked.status, page: asked.page > 1 ? asked.page : undefined, host: asked.host })}`;
  const handlers = {
    grid: (data: { grid: GridView }) => {
      performance.mark('deckhand:grid-received');
      loading.remove();
      // The page the coordinator chose (the one with the linked host, or the last one) goes in the address.
      Object.assign(asked, { status: data.grid.status ?? '', page: data.grid.page, host: '' });
      replaceQuery({ status: asked.status, page: asked.page > 1 ? String(asked.page) : undefined });
      showSummary(data.grid.deployment);
      grid.setGrid(data.grid);
      if (wanted && grid.model.host(wanted.host)) {
        choose(wanted.host, wanted.event);
        wanted = undefined;
      }
    },
    hosts: (data: { hosts: GridHost[] }) => {
      grid.updateHosts(data.hosts);
      const shown = data.hosts.find((x) => output?.is(x.id, grid.selected?.event ?? ''));
      if (shown && output) output.show(shown, grid.model.events.indexOf(grid.selected?.event ?? ''));
    },
    counts: (data: GridCountsChange) => grid.updateCounts(data),
    deployment: (data: { deployment: DeploymentSummary }) => showSummary(data.deployment),
    end: (data: { status: string; reason?: string }) => {
      if (data.reason) loading.textContent = data.reason;
    },
  };
  const followGrid = (): Stream => follow(gridUrl, handlers, {
    // A deployment that does not exist, or one the session may not see: say so and stop.
    refused: async () => {
      try {
        await api('GET', `/v1/deployments/${seg(id)}/logs?limit=1`);
        return undefined;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status === 0 || err.status >= 500) return undefined;
        loading.className = 'error';
        loading.textContent = err.message;
        return err.message;
      }
    },
  });
  let stream = followGrid();
  // Another filter or page: follow that page instead (the coordinator answers it at once when followed already).
  function askFor(status: string, page: number): void {
    Object.assign(asked, { status, page, host: '' });
    replaceQuery({ status, page: page > 1 ? String(page) : undefined });
    stream.close();
    stream = followGrid();
  }
  // The bake countdown and the running duration move every second.
  const tick = setInterval(() => {
    if (!summary) return;
    rollout.textContent = rolloutText(summary, Date.now());
    const running = header.querySelector('.duration');
    if (running && summary.completeTime === undefined) running.textContent = span(summary.startTime, undefined) || '—';
  }, 1000);
  return () => {
    stream.close();
    output?.close();
    clearInterval(tick);
  };
}
