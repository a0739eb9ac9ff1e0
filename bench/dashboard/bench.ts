/**
 * The dashboard at fleet scale: a real coordinator, N simulated hosts (bench/fleet) and Debian's
 * chromium. It opens the deployment page of an AllAtOnce deployment while its events stream and
 * again once it has finished, and reports the time to first render of the grid (navigation start
 * to the grid on screen, the page's own `deckhand:grid` mark), the page's JavaScript heap and DOM
 * size, and the longest main-thread task while events stream (PerformanceObserver longtask: a
 * task over 50 ms is a frame the page could not draw).
 */
import type { Browser, Page } from 'playwright-core';
import type { DeploymentSummary, RegistrationTokenView } from '../../protocol/src/index.ts';
import { chromiumPath, startChromium } from '../../test/support/browser.ts';
import { bundle } from '../fleet/bench.ts';
import { SimFleet } from '../fleet/fleet.ts';
import { startCoordinator, type Coordinator } from '../lib/coordinator.ts';
import { figure, notMeasured, type Figures } from '../lib/figures.ts';
import { setUpDeploymentTarget, type DeploymentTarget } from '../lib/revision.ts';
import { median } from '../lib/stats.ts';
import { probeResponsiveness } from './probe.ts';

/** Options of {@link runDashboardBench}. */
export interface DashboardBenchOptions {
  hosts: number;
  /** Each simulated lifecycle event takes this long, so events stream for a while. */
  eventDelayMs: number;
  /** Page openings of the finished deployment (the median is reported). */
  runs: number;
  /** Write a V8 CPU profile of the coordinator into this directory. */
  cpuProfDir?: string;
  log(line: string): void;
}

/** Collects long tasks from the page's first script on. */
const OBSERVE_LONG_TASKS = `
  window.__longtasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]); })
    .observe({ type: 'longtask', buffered: true });
`;

interface Opened {
  firstRenderMs: number;
  heapMb: number;
  nodes: number;
}

async function signedInPage(browser: Browser, coordinator: Coordinator): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript(OBSERVE_LONG_TASKS);
  const page = await context.newPage();
  await page.goto(`${coordinator.url}/`);
  await page.getByLabel('API token').fill(coordinator.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  return page;
}

/** Opens the deployment page and waits for its grid; returns what it measured. */
async function open(page: Page, coordinator: Coordinator, deploymentId: string, log: (line: string) => void): Promise<Opened> {
  await page.goto(`${coordinator.url}/deployments/${deploymentId}`);
  await page.waitForFunction(() => performance.getEntriesByName('deckhand:grid').length > 0, undefined, { timeout: 60_000 });
  const firstRenderMs = await page.evaluate(() => performance.getEntriesByName('deckhand:grid')[0]?.startTime ?? -1);
  const marks = await page.evaluate(() => ['deckhand:session', 'deckhand:grid-received'].map((m) => Math.round(performance.getEntriesByName(m)[0]?.startTime ?? -1)));
  log(`  dashboard: page opened: signed in at ${marks[0]} ms, grid received at ${marks[1]} ms, drawn at ${Math.round(firstRenderMs)} ms`);
  log(`  dashboard: requests (start → first byte → end, ms): ${await requestTimings(page)}`);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? 0;
  await cdp.detach();
  return { firstRenderMs, heapMb: metric('JSHeapUsedSize') / 1024 ** 2, nodes: metric('Nodes') };
}

/** The page's requests before first render, each as `name start→first byte→end`. */
function requestTimings(page: Page): Promise<string> {
  // A string: bench/ is type-checked without the DOM's types.
  return page.evaluate(`(() => {
    const grid = performance.getEntriesByName('deckhand:grid')[0]?.startTime ?? Infinity;
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].filter((e) => e.startTime < grid);
    return entries.map((e) => (new URL(e.name).pathname.split('/').pop() || '/') + ' ' + [e.startTime, e.responseStart, e.responseEnd].map(Math.round).join('→')).join(', ');
  })()`);
}

/** Long tasks after `afterMs` (page time), as [start, duration]. */
function longTasks(page: Page, afterMs: number): Promise<Array<[number, number]>> {
  return page.evaluate((after) => ((globalThis as unknown as { __longtasks: Array<[number, number]> }).__longtasks ?? []).filter(([start]) => start > after), afterMs);
}

/** Polls /healthz until it answers within 200 ms; returns how long that took. */
async function untilResponsive(coordinator: Coordinator): Promise<number> {
  const started = performance.now();
  for (;;) {
    const t = performance.now();
    await coordinator.call('GET', '/healthz');
    if (performance.now() - t < 200) return performance.now() - started;
  }
}

async function setUp(opts: DashboardBenchOptions): Promise<{ coordinator: Coordinator; fleet: SimFleet; target: DeploymentTarget }> {
  const coordinator = await startCoordinator(opts.cpuProfDir === undefined ? {} : { cpuProfDir: opts.cpuProfDir });
  const target = await setUpDeploymentTarget(coordinator, await bundle(), [{ type: 'KEY_AND_VALUE', key: 'fleet', value: 'bench' }]);
  const token = await coordinator.call<RegistrationTokenView>('POST', '/v1/registration-tokens', { ttlSeconds: 3600, maxUses: null, tags: { fleet: 'bench' } });
  const fleet = SimFleet.start(opts.hosts >= 5000 ? 2 : 1, opts.eventDelayMs, coordinator.caFile);
  await fleet.register(coordinator.url, token.token ?? '', opts.hosts, 16);
  await fleet.connect(64);
  opts.log(`  dashboard: ${opts.hosts} simulated hosts connected`);
  return { coordinator, fleet, target };
}

/** Runs the benchmark and records its figures; not measured (with the reason) without chromium. */
export async function runDashboardBench(opts: DashboardBenchOptions, out: Figures): Promise<void> {
  const prefix = `dashboard_${opts.hosts}`;
  const executable = chromiumPath();
  if (executable === undefined) {
    out[`${prefix}_first_render_ms`] = notMeasured('ms', 'chromium is missing (Debian package chromium)');
    return;
  }
  const { coordinator, fleet, target } = await setUp(opts);
  const browser = await startChromium(executable);
  try {
    const page = await signedInPage(browser, coordinator);
    const created = await coordinator.call<DeploymentSummary>('POST', '/v1/deployments', {
      applicationName: target.application, deploymentGroupName: target.group, revisionId: target.revisionId,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce', fileExistsBehavior: 'OVERWRITE',
      // All 10,000 hosts at once is the point: past the group's large-blast-radius guard rail.
      confirmLargeBlastRadius: true,
    });
    // Open once the coordinator answers again (it dispatches every host first), while events
    // stream in, then watch until every host finished.
    const busyMs = await untilResponsive(coordinator);
    opts.log(`  dashboard: the coordinator answered /healthz again ${busyMs.toFixed(0)} ms after the deployment was created`);
    const stopProbe = probeResponsiveness(coordinator);
    const live = await open(page, coordinator, created.deploymentId, opts.log);
    const probe = await stopProbe();
    opts.log(`  dashboard: /healthz while the page opened: ${probe.count} answers, slowest ${probe.maxMs.toFixed(0)} ms`);
    opts.log(`  dashboard: first render during the deployment ${live.firstRenderMs.toFixed(0)} ms, heap ${live.heapMb.toFixed(1)} MB, ${live.nodes} DOM nodes`);
    await fleet.waitFinished(created.deploymentId, opts.hosts, 600_000);
    await page.locator('dl.facts .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 60_000 });
    const streaming = await longTasks(page, live.firstRenderMs);
    const longest = Math.max(0, ...streaming.map(([, d]) => d));
    opts.log(`  dashboard: ${streaming.length} long tasks while events streamed, longest ${longest.toFixed(0)} ms`);
    const finished: Opened[] = [];
    for (let i = 0; i < opts.runs; i++) finished.push(await open(page, coordinator, created.deploymentId, opts.log));
    out[`${prefix}_first_render_ms`] = figure(live.firstRenderMs, 'ms', `navigation start to grid on screen, AllAtOnce running (${opts.eventDelayMs} ms per simulated event)`);
    out[`${prefix}_coordinator_slowest_answer_ms`] = figure(probe.maxMs, 'ms', `/healthz asked every 50 ms while the page opened during the deployment: the slowest of ${probe.count} answers (the event loop held)`);
    out[`${prefix}_coordinator_busy_after_create_ms`] = figure(busyMs, 'ms', 'POST /v1/deployments answered → /healthz answered within 200 ms (dispatching every host; the page waits for it too)');
    out[`${prefix}_first_render_finished_ms`] = figure(median(finished.map((o) => o.firstRenderMs)), 'ms', `the finished deployment (every cell filled), median of ${opts.runs}`);
    out[`${prefix}_longest_task_ms`] = figure(longest, 'ms', `longest main-thread task after first render while events streamed (${streaming.length} tasks over 50 ms)`);
    out[`${prefix}_heap_mb`] = figure(Math.max(live.heapMb, ...finished.map((o) => o.heapMb)), 'MB', 'page JS heap (CDP JSHeapUsedSize), largest seen');
    out[`${prefix}_dom_nodes`] = figure(Math.max(live.nodes, ...finished.map((o) => o.nodes)), 'nodes', 'one page of 100 hosts drawn');
  } finally {
    await browser.close();
    await fleet.stop();
    await coordinator.stop();
  }
}
