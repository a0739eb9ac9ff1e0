import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hasTool, requireTool } from '../support/requirements.ts';
import { freePort, startAlertmanager, startPrometheus, TestExporter, type Served } from '../support/prometheus.ts';
import { appspec, makeTgz } from './bundles.ts';
import { Cluster, waitFor, type AgentProcess } from './cluster.ts';

const OK_HOOK = '#!/bin/bash\necho "$LIFECYCLE_EVENT ok"\n';

/**
 * Health-gated rollouts with real parts: Debian's Prometheus scraping an exporter the test
 * controls (and its Alertmanager where installed), a real coordinator and three real agents.
 */
describe('health-gated rollouts end to end (Prometheus, Alertmanager, http checks)', function () {
  this.timeout(180_000);
  const exporter = new TestExporter();
  let prometheus: Served | undefined;
  let alertmanager: Served | undefined;
  let cluster: Cluster | undefined;
  let agents: AgentProcess[] = [];
  const revisions: Record<'v1' | 'v2', string> = { v1: '', v2: '' };

  before(async function () {
    requireTool(this, 'prometheus', 'prometheus');
    await exporter.start();
    prometheus = await startPrometheus([exporter.address]);
    if (hasTool('prometheus-alertmanager')) alertmanager = await startAlertmanager();
    cluster = new Cluster({ coordinatorArgs: ['--alarm-poll-seconds', '1', ...(alertmanager ? ['--alertmanager', alertmanager.url] : [])] });
    await cluster.start();
    agents = await Promise.all([1, 2, 3].map(() => (cluster as Cluster).addAgent({ role: 'web' })));
    for (const a of agents) exporter.errors.set(hostname(a), 0.001);
    assert.equal((await cluster.api('POST', '/v1/applications', { name: 'shop' })).status, 201);
    for (const v of ['v1', 'v2'] as const) {
      const bundle = await makeTgz({ 'appspec.yml': appspec({ ValidateService: 'scripts/ok.sh' }), 'scripts/ok.sh': OK_HOOK, 'site/index.html': `<h1>${v}</h1>\n` });
      const res: { status: number; body: { revisionId: string } } = await cluster.api('POST', '/v1/applications/shop/revisions?bundleType=tgz', bundle);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      revisions[v] = res.body.revisionId;
    }
    await check({ name: 'error-rate', type: 'prometheus', address: prometheus.url, query: 'max(app_errors_ratio{ {{canary.selector}} })', condition: 'result < 0.05', hostLabel: 'host' });
    await check({ name: 'web-health', type: 'http', url: `http://${exporter.address}/health/{{host.hostname}}`, condition: '$.status == "ok"', timeoutSeconds: 2 });
    await check({ name: 'dead-prometheus', type: 'prometheus', address: `http://127.0.0.1:${await freePort()}`, query: 'up', condition: 'result == 1', timeoutSeconds: 2 });
    await cli(['configs', 'create', '--name', 'CanaryBake', '--batches', '1,100%', '--bake', '20s']);
    await cli(['configs', 'create', '--name', 'CanaryAnalysis', '--batches', '1,100%', '--analysis', 'web-health', '--interval', '1s', '--count', '5']);
    // Prometheus has scraped the exporter at least once.
    await waitFor('the first scrape', async () => ((await api('GET', `/v1/health-checks/error-rate`)).status === 200 && (await scraped()) ? true : undefined));
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' && cluster) process.stderr.write(cluster.logs().slice(-20_000));
    await cluster?.stop();
    await prometheus?.stop();
    await alertmanager?.stop();
    await exporter.stop();
  });

  const c = (): Cluster => cluster as Cluster;
  const hostname = (a: AgentProcess): string => `host-${path.basename(a.root).split('-')[1]}`;
  const api = (method: string, url: string, body?: unknown) => c().api(method, url, body);

  async function cli(args: string[]): Promise<string> {
    const out = await c().cli(args);
    assert.equal(out.code, 0, `deckhand ${args.join(' ')}: ${out.stderr}`);
    return out.stdout;
  }

  async function check(body: unknown): Promise<void> {
    const res = await api('POST', '/v1/health-checks', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }

  async function scraped(): Promise<boolean> {
    const res = await fetch(`${prometheus?.url}/api/v1/query?query=${encodeURIComponent('count(app_errors_ratio)')}`);
    const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
    return Number(body.data?.result?.[0]?.value[1] ?? 0) === agents.length;
  }

  /** A group over the three hosts with `extra` settings, already at v1 (so a rollback has somewhere to go). */
  async function groupAtV1(name: string, extra: Record<string, unknown>): Promise<void> {
    const res = await api('POST', '/v1/applications/shop/deployment-groups', { name, tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }], ...extra });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    // Its own alarms would judge v1 too: overridden off, as CodeDeploy's overrideAlarmConfiguration allows.
    const first = await deploy(name, 'v1', 'AllAtOnce', { overrideAlarmConfiguration: { enabled: false } });
    const done = await c().waitForDeployment(first);
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation));
  }

  async function deploy(group: string, v: 'v1' | 'v2', config: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await api('POST', '/v1/deployments', { applicationName: 'shop', deploymentGroupName: group, revisionId: revisions[v], fileExistsBehavior: 'OVERWRITE', deploymentConfigName: config, ...extra });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.deploymentId as string;
  }

  /** The canary of a deployment once it succeeded (the deployment then bakes or analyses). */
  async function canaryOf(id: string): Promise<AgentProcess> {
    const view = await c().waitForView(id, 'to finish its canary', (v) => v.targets.some((t: { step?: number; status: string }) => t.step === 1 && t.status === 'Succeeded') || v.status !== 'InProgress');
    const target = view.targets.find((t: { step?: number }) => t.step === 1);
    const agent = agents.find((a) => a.instanceId === target.instanceId);
    assert.ok(agent, 'the canary is one of the agents');
    return agent;
  }

  function siteOf(a: AgentProcess): string {
    return readFileSync(path.join(a.destRoot, 'srv/app/index.html'), 'utf8');
  }

  it('stops the deployment with ALARM_ACTIVE when the canary\'s error metric rises in Prometheus, and rolls back', async function () {
    await groupAtV1('alarmed', {
      alarmConfiguration: { enabled: true, alarms: [{ name: 'error-rate' }] },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] },
    });
    const id = await deploy('alarmed', 'v2', 'CanaryBake');
    const canary = await canaryOf(id);
    assert.equal(siteOf(canary), '<h1>v2</h1>\n');
    exporter.errors.set(hostname(canary), 0.5);
    try {
      const stopped = await c().waitForDeployment(id, 30_000);
      assert.equal(stopped.status, 'Stopped');
      assert.equal(stopped.errorInformation.code, 'ALARM_ACTIVE');
      assert.match(stopped.errorInformation.message, /alarm error-rate \(result 0\.5 is not < 0\.05\) was in alarm/);
      assert.equal(stopped.overview.Skipped, 2, 'the other hosts were never taken');
      const rollbackId = stopped.rollbackInfo?.rollbackDeploymentId as string;
      assert.ok(rollbackId, JSON.stringify(stopped.rollbackInfo));
      const rollback = await c().waitForDeployment(rollbackId);
      assert.equal(rollback.status, 'Succeeded', JSON.stringify(rollback.errorInformation));
      assert.equal(siteOf(canary), '<h1>v1</h1>\n', 'the canary is back on v1');
      const status = await cli(['status', id]);
      assert.match(status, /ALARM_ACTIVE/);
      assert.match(status, /health checks:\n.*\n.*error-rate +alarm +Successful[\s\S]*error-rate +alarm +Failed/);
      const replay = await c().cli(['checks', 'replay', 'error-rate', '--from', new Date(Date.now() - 60_000).toISOString(), '--to', new Date().toISOString(), '--step', '5s', '--canary', hostname(canary)]);
      assert.equal(replay.code, 1, replay.stderr);
      assert.match(replay.stdout, /check error-rate would have failed \d+ time\(s\)/);
    } finally {
      exporter.errors.set(hostname(canary), 0.001);
    }
  });

  it('fails the deployment with ANALYSIS_FAILED when an http check of the canary\'s analysis fails, and rolls back', async function () {
    await groupAtV1('analysed', { autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } });
    for (const a of agents) exporter.unhealthy.add(hostname(a));
    try {
      const id = await deploy('analysed', 'v2', 'CanaryAnalysis');
      const failed = await c().waitForDeployment(id, 30_000);
      assert.equal(failed.status, 'Failed');
      assert.equal(failed.errorInformation.code, 'ANALYSIS_FAILED');
      assert.match(failed.errorInformation.message, /the analysis of batch 1 failed: check web-health: 1 of 1 measurements Failed .*status 500/);
      assert.deepEqual(failed.health.map((h: { check: string; purpose: string; verdict: string }) => [h.check, h.purpose, h.verdict]), [['web-health', 'analysis', 'Failed']]);
      const rollback = await c().waitForDeployment(failed.rollbackInfo.rollbackDeploymentId as string);
      assert.equal(rollback.status, 'Succeeded', JSON.stringify(rollback.errorInformation));
    } finally {
      exporter.unhealthy.clear();
    }
  });

  it('passes the analysis when the http check keeps answering ok', async function () {
    await groupAtV1('healthy', {});
    const id = await deploy('healthy', 'v2', 'CanaryAnalysis');
    const done = await c().waitForDeployment(id, 60_000);
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation));
    assert.equal(done.rollout.analysis.status, 'Successful');
    assert.equal(done.health.length, 5);
  });

  it('stops the deployment when Prometheus cannot be reached, and not with ignorePollAlarmFailure', async function () {
    await groupAtV1('unreadable', { alarmConfiguration: { enabled: true, alarms: [{ name: 'dead-prometheus' }] } });
    const stopped = await c().waitForDeployment(await deploy('unreadable', 'v2', 'CanaryBake'), 30_000);
    assert.equal(stopped.status, 'Stopped');
    assert.equal(stopped.errorInformation.code, 'ALARM_ACTIVE');
    assert.match(stopped.errorInformation.message, /the state of dead-prometheus \(POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: .*ECONNREFUSED.*\) could not be read \(ignorePollAlarmFailure is false\)/);

    await groupAtV1('tolerant', { alarmConfiguration: { enabled: true, ignorePollAlarmFailure: true, alarms: [{ name: 'dead-prometheus' }] } });
    const done = await c().waitForDeployment(await deploy('tolerant', 'v2', 'CanaryBake'), 60_000);
    assert.equal(done.status, 'Succeeded', JSON.stringify(done.errorInformation));
    assert.ok(done.health.some((h: { verdict: string }) => h.verdict === 'Error'), 'the unreadable alarm is in the deployment\'s health');
  });

  it('stops the deployment when an alert of the alarm\'s name fires in the Alertmanager', async function () {
    requireTool(this, 'prometheus-alertmanager', 'prometheus-alertmanager');
    await groupAtV1('paged', { alarmConfiguration: { enabled: true, alarms: [{ name: 'HighErrorRate' }] } });
    const id = await deploy('paged', 'v2', 'CanaryBake');
    await canaryOf(id);
    const now = new Date();
    const res = await fetch(`${alertmanager?.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'HighErrorRate', severity: 'page' }, startsAt: now.toISOString(), endsAt: new Date(now.getTime() + 3_600_000).toISOString() }]),
    });
    assert.equal(res.status, 200);
    const stopped = await c().waitForDeployment(id, 30_000);
    assert.equal(stopped.status, 'Stopped');
    assert.match(stopped.errorInformation.message, /alarm HighErrorRate \(1 alert\(s\) HighErrorRate firing in the Alertmanager since .*\) was in alarm/);
  });
});
