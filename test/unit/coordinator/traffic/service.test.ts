import assert from 'node:assert/strict';
import { systemClock } from '../../../../common/src/clock.ts';
import { silentLogger } from '../../../../common/src/logger.ts';
import { TrafficControl } from '../../../../protocol/src/index.ts';
import type { BlueGreenRecord } from '../../../../coordinator/src/store/traffic.ts';
import type { AnalysisInput, TrafficAnalysis } from '../../../../coordinator/src/traffic/analysis.ts';
import { TrafficService } from '../../../../coordinator/src/traffic/service.ts';
import { forEachStore, type TestStore } from '../store/harness.ts';

const G = 'g-GRPGRPGRP';
const AT = '2030-01-01T00:00:00.000Z';
const HTTP = TrafficControl.parse({ provider: 'http', url: 'http://127.0.0.1:9/lb' });

/** A running blue/green deployment `id` of group G with two replacement hosts and one original. */
async function deployment(db: TestStore, id: string, record: BlueGreenRecord): Promise<void> {
  await db.run(`INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name, status, creator,
      file_exists_behavior, ignore_application_stop_failures, parameters, created_at)
    VALUES (?, 'a-APPAPPAPP', ?, 'r-REVREVREV', 'CodeDeployDefault.AllAtOnce', 'InProgress', 'test', 'DISALLOW', 0, '{}', ?)`, id, G, AT);
  for (const [n, [host, label]] of [['i-GREEN001', 'Green'], ['i-GREEN002', 'Green'], ['i-BLUE0001', 'Blue']].entries()) {
    await db.run('INSERT INTO deployment_targets (deployment_id, instance_id, position, status, label) VALUES (?, ?, ?, ?, ?)', id, host, n, 'InProgress', label);
  }
  await db.store.traffic.putBlueGreen(id, record);
}

forEachStore('TrafficService#resume', (current) => {
  let db: TestStore;
  let watched: AnalysisInput[];
  let service: TrafficService;

  beforeEach(async () => {
    db = current();
    await db.run(`INSERT INTO applications (application_id, name, created_at) VALUES ('a-APPAPPAPP', 'shop', ?)`, AT);
    await db.run(`INSERT INTO deployment_groups (deployment_group_id, application_id, name, tag_filters, deployment_config_name, created_at)
      VALUES (?, 'a-APPAPPAPP', 'web', '[]', 'CodeDeployDefault.AllAtOnce', ?)`, G, AT);
    await db.run(`INSERT INTO revisions (revision_id, application_id, sha256, size, bundle_type, created_at) VALUES ('r-REVREVREV', 'a-APPAPPAPP', 'aa', 1, 'tgz', ?)`, AT);
    for (const host of ['i-GREEN001', 'i-GREEN002', 'i-BLUE0001']) {
      await db.run(`INSERT INTO instances (instance_id, hostname, public_key, tags, registered_at) VALUES (?, ?, 'k', '{}', ?)`, host, host.toLowerCase(), AT);
    }
    await db.store.traffic.setGroupTraffic(G, { trafficControl: HTTP });
    watched = [];
    const analysis: TrafficAnalysis = { watch: (input) => (watched.push(input), () => undefined) };
    service = new TrafficService({
      store: db.store, clock: systemClock, logger: silentLogger(), analysis,
      hub: { sendTrafficResult: () => false, applyTraffic: async () => 'offline' },
      onSettled: async () => undefined, onAnalysisFailed: async () => undefined,
    });
  });
  afterEach(() => service.close());

  const record = (phase: BlueGreenRecord['phase'], trafficMoved: boolean): BlueGreenRecord => ({
    phase, fleetTag: 'fleet', blueFleet: 'a', greenFleet: 'b', step: 1, steps: [{ percent: 100, intervalSeconds: 0 }], trafficMoved, retire: false, until: AT,
  });

  async function allowed(deploymentId: string, instanceId: string): Promise<void> {
    await db.store.traffic.startOp(deploymentId, instanceId, 'AllowTraffic', AT);
    await db.store.traffic.finishOp(deploymentId, instanceId, 'AllowTraffic', { status: 'Succeeded' }, AT);
  }

  it('watches again, after a restart, the replacement hosts traffic moved to while it may still move back', async () => {
    await deployment(db, 'd-WAITING01', record('wait', true));
    await allowed('d-WAITING01', 'i-GREEN001');
    await allowed('d-WAITING01', 'i-GREEN002');
    await service.resume();
    assert.deepEqual(watched.map((w) => [w.deploymentId, w.hosts.map((h) => h.hostname).sort(), w.healthyPasses]), [['d-WAITING01', ['i-green001', 'i-green002'], 3]]);
  });

  it('watches nothing where traffic never moved or the original hosts are already being blocked', async () => {
    await deployment(db, 'd-INSTALL01', record('install', false));
    await deployment(db, 'd-BLUEPHASE', record('blue', true));
    await allowed('d-BLUEPHASE', 'i-GREEN001');
    await service.resume();
    assert.deepEqual(watched, []);
  });
});
