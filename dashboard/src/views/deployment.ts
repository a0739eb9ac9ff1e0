/**
 * One deployment, live: its facts, where its rollout stands (step k of n, bake countdown,
 * approval, pause), the actions the session may take, the hosts × events grid, and the hook
 * output of the chosen cell. The address names the deployment, and `host`, `event`, `status`
 * and `page` name what is shown, so a link opens the same view.
 */
import type { DeploymentSummary, GridHost, GridView } from '../../../protocol/src/index.ts';
import { api, ApiError } from '../api.ts';
import { fill, h } from '../dom.ts';
import { duration, span, time } from '../format.ts';
import { follow } from '../live.ts';
import { replaceQuery, seg, type Route } from '../router.ts';
import { badge } from '../status-badge.ts';
import { ActionBar } from './actions.ts';
import { progress } from './deployments.ts';
import { GridPanel } from './grid.ts';
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
  const grid = new GridPanel(
    { select: (host, event) => choose(host, event), viewChanged: (status, page) => replaceQuery({ status, page: page > 0 ? String(page + 1) : undefined }) },
    route.query.get('status') ?? '',
    Math.max(0, Number(route.query.get('page') ?? '1') - 1),
  );
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
  const stream = follow(() => `/v1/deployments/${seg(id)}/grid?follow=1`, {
    grid: (data: { grid: GridView }) => {
      performance.mark('deckhand:grid-received');
      loading.remove();
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
    deployment: (data: { deployment: DeploymentSummary }) => showSummary(data.deployment),
    end: (data: { status: string; reason?: string }) => {
      if (data.reason) loading.textContent = data.reason;
    },
  }, {
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
