/**
 * Traffic control with HAProxy: the time BlockTraffic and AllowTraffic add to each host of a
 * real deployment. A real coordinator and three real agents behind Debian's HAProxy checking
 * every server each second (`inter 1s`, HAProxy's default rise 2 and fall 3), the group's
 * default traffic settings (AllowTraffic waits for 3 health passes 1 s apart), a revision whose
 * hooks stop and start a small HTTP server. After a warm-up deployment, OneAtATime deployments
 * run under a light steady load; each host's BlockTraffic and AllowTraffic durations come from
 * the deployment's own event times. CodeDeploy with an ELB's default health check (30 s x 5)
 * spends over 2.5 minutes per host on the same two steps (reference: ServerFault 757262).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import * as tar from 'tar';
import type { DeploymentView, InstanceView, RegistrationTokenView } from '../protocol/src/index.ts';
import { binPath, startCoordinator, type Coordinator } from './lib/coordinator.ts';
import { figure, notMeasured, type Figures } from './lib/figures.ts';
import { spawnNode, stopProcess } from './lib/proc.ts';
import { median } from './lib/stats.ts';

const execFileP = promisify(execFile);
const HOSTS = 3;

/** Options of {@link runTrafficBench}. */
export interface TrafficBenchOptions {
  /** Measured deployments (each gives one sample per host). */
  deployments: number;
  log: (line: string) => void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function hasHaproxy(): boolean {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    // Not installed: the figures say so.
    return false;
  }
}

/** The benchmark's revision: a small HTTP server per host, stopped and started by its hooks. */
function revisionFiles(version: string): Record<string, string> {
  return {
    'appspec.yml': ['version: 0.0', 'os: linux', 'hooks:', ...['ApplicationStop:stop', 'ApplicationStart:start'].flatMap((h) => {
      const [event, script] = h.split(':');
      return [`  ${event}:`, `    - location: scripts/${script}.sh`, '      timeout: 60'];
    })].join('\n') + '\n',
    'app/server.js': `const fs = require('node:fs');
const root = process.env.DECKHAND_ROOT;
const server = require('node:http').createServer((req, res) => res.end('${version}\\n'));
server.listen(Number(fs.readFileSync(root + '/app-port', 'utf8')), '127.0.0.1', () => fs.writeFileSync(root + '/app.pid', String(process.pid)));
`,
    'scripts/stop.sh': `#!/bin/bash
pidfile="$DECKHAND_ROOT/app.pid"
if [ -f "$pidfile" ]; then pid=$(cat "$pidfile"); kill "$pid" 2>/dev/null; for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done; rm -f "$pidfile"; fi
`,
    'scripts/start.sh': `#!/bin/bash
setsid "$NODE_BIN" "$DECKHAND_ARCHIVE_DIR/app/server.js" </dev/null >/dev/null 2>&1 &
for i in $(seq 1 100); do [ -f "$DECKHAND_ROOT/app.pid" ] && exit 0; sleep 0.05; done
exit 1
`,
  };
}

async function pack(dir: string, files: Record<string, string>): Promise<Uint8Array> {
  const src = path.join(dir, 'src');
  rmSync(src, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
    writeFileSync(path.join(src, rel), text, { mode: rel.startsWith('scripts/') ? 0o755 : 0o644 });
  }
  const out = path.join(dir, 'bundle.tgz');
  await tar.c({ gzip: true, cwd: src, file: out, portable: true }, Object.keys(files));
  return new Uint8Array(readFileSync(out));
}

/** Everything the benchmark started, to stop it all. */
interface Rig {
  dir: string;
  coordinator: Coordinator;
  haproxy: ChildProcess;
  haproxyPort: number;
  agents: { proc: ChildProcess; root: string }[];
}

async function startRig(log: (line: string) => void): Promise<Rig> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dh-bench-traffic-'));
  const coordinator = await startCoordinator();
  const token = await coordinator.call<RegistrationTokenView>('POST', '/v1/registration-tokens', { ttlSeconds: 600, maxUses: HOSTS, tags: { role: 'web' } });
  const servers: string[] = [];
  const agents: Rig['agents'] = [];
  for (let i = 1; i <= HOSTS; i++) {
    const root = path.join(dir, `agent-${i}`);
    const hostname = `web-${i}`;
    await execFileP(process.execPath, [binPath('deckhand-agent'), 'register', '--coordinator', coordinator.url, '--token', token.token ?? '', '--root', root, '--hostname', hostname, '--json']);
    const port = await freePort();
    writeFileSync(path.join(root, 'app-port'), String(port));
    servers.push(`  server ${hostname} 127.0.0.1:${port} check`);
    agents.push({ root, proc: spawnNode(binPath('deckhand-agent'), ['run', '--root', root, '--dest-root', path.join(dir, `host-${i}`)], { stdio: 'ignore' }) });
  }
  const haproxyPort = await freePort();
  const socket = path.join(dir, 'admin.sock');
  const cfg = ['global', `  stats socket ${socket} mode 600 level admin`, 'defaults', '  mode http', '  timeout connect 2s', '  timeout client 10s', '  timeout server 10s',
    'frontend fe', `  bind 127.0.0.1:${haproxyPort}`, '  default_backend web', 'backend web', '  option httpchk GET /', '  default-server inter 1s', ...servers].join('\n');
  writeFileSync(path.join(dir, 'haproxy.cfg'), `${cfg}\n`);
  const haproxy = spawn('haproxy', ['-f', path.join(dir, 'haproxy.cfg'), '-db'], { stdio: 'ignore' });
  for (let waited = 0; !existsSync(socket); waited += 50) {
    if (waited > 10_000) throw new Error('HAProxy did not start');
    await delay(50);
  }
  for (let waited = 0; ; waited += 100) {
    const { instances } = await coordinator.call<{ instances: InstanceView[] }>('GET', '/v1/instances');
    if (instances.filter((x) => x.connected).length === HOSTS) break;
    if (waited > 30_000) throw new Error('the agents did not connect');
    await delay(100);
  }
  await coordinator.call('POST', '/v1/applications', { name: 'bench' });
  await coordinator.call('POST', '/v1/applications/bench/deployment-groups', {
    name: 'web',
    tagFilters: [{ key: 'role', value: 'web', type: 'KEY_AND_VALUE' }],
    trafficControl: { provider: 'haproxy', socket, backend: 'web', serverTemplate: '{hostname}' },
  });
  log(`traffic: coordinator, ${HOSTS} agents and HAProxy (checks every 1 s) running`);
  return { dir, coordinator, haproxy, haproxyPort, agents };
}

async function deploy(rig: Rig, version: string): Promise<DeploymentView> {
  const rev = await rig.coordinator.call<{ revisionId: string }>('POST', '/v1/applications/bench/revisions?bundleType=tgz', await pack(rig.dir, revisionFiles(version)));
  const created = await rig.coordinator.call<{ deploymentId: string }>('POST', '/v1/deployments', {
    applicationName: 'bench', deploymentGroupName: 'web', revisionId: rev.revisionId, deploymentConfigName: 'OneAtATime', parameters: { NODE_BIN: process.execPath },
  });
  for (;;) {
    const view = await rig.coordinator.call<DeploymentView>('GET', `/v1/deployments/${created.deploymentId}`);
    if (['Succeeded', 'Failed', 'Stopped'].includes(view.status)) return view;
    await delay(200);
  }
}

/** Sends GET / every 50 ms on fresh connections; resolves the failure count on stop. */
function lightLoad(port: number): () => Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  const timer = setInterval(() => {
    sent += 1;
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      if (res.statusCode !== 200) failed += 1;
      res.resume();
    }).on('error', () => (failed += 1));
  }, 50);
  return async () => {
    clearInterval(timer);
    await delay(300);
    return { sent, failed };
  };
}

function eventSeconds(view: DeploymentView, event: string): number[] {
  return view.targets.map((t) => {
    const e = t.lifecycleEvents.find((x) => x.lifecycleEventName === event);
    return e?.startTime && e.endTime ? (Date.parse(e.endTime) - Date.parse(e.startTime)) / 1000 : Number.NaN;
  });
}

/** Runs the traffic benchmark and adds its figures. */
export async function runTrafficBench(opts: TrafficBenchOptions, figures: Figures): Promise<void> {
  if (!hasHaproxy()) {
    const note = 'haproxy (Debian package haproxy) is missing';
    for (const name of ['traffic_haproxy_block_allow_s', 'traffic_haproxy_block_s', 'traffic_haproxy_allow_s']) figures[name] = notMeasured('s', note);
    return;
  }
  const rig = await startRig(opts.log);
  try {
    const warm = await deploy(rig, 'v0');
    if (warm.status !== 'Succeeded') throw new Error(`the warm-up deployment ended ${warm.status}: ${JSON.stringify(warm.errorInformation)}`);
    const block: number[] = [];
    const allow: number[] = [];
    const both: number[] = [];
    const stopLoad = lightLoad(rig.haproxyPort);
    for (let i = 1; i <= opts.deployments; i++) {
      const view = await deploy(rig, `v${i}`);
      if (view.status !== 'Succeeded') throw new Error(`deployment ${i} ended ${view.status}: ${JSON.stringify(view.errorInformation)}`);
      const b = eventSeconds(view, 'BlockTraffic');
      const a = eventSeconds(view, 'AllowTraffic');
      block.push(...b);
      allow.push(...a);
      both.push(...b.map((x, k) => x + (a[k] ?? Number.NaN)));
      opts.log(`traffic: deployment ${i}: BlockTraffic+AllowTraffic per host ${both.slice(-HOSTS).map((x) => x.toFixed(2)).join(', ')} s`);
    }
    const load = await stopLoad();
    const samples = `${both.length} hosts over ${opts.deployments} OneAtATime deployments`;
    figures['traffic_haproxy_block_allow_s'] = figure(median(both), 's', `median per host, ${samples}; HAProxy checks every 1 s (rise 2), AllowTraffic needs 3 passes 1 s apart; CodeDeploy with ELB defaults: > 150 s`);
    figures['traffic_haproxy_block_s'] = figure(median(block), 's', 'median BlockTraffic: drain, then wait for open sessions to end');
    figures['traffic_haproxy_allow_s'] = figure(median(allow), 's', 'median AllowTraffic: ready, then 3 health passes in a row');
    figures['traffic_haproxy_failed_requests'] = figure(load.failed, 'requests', `of ${load.sent} sent through HAProxy (20/s, fresh connections) during the measured deployments`);
  } finally {
    for (const a of rig.agents) {
      await stopProcess(a.proc);
      const pidfile = path.join(a.root, 'app.pid');
      if (existsSync(pidfile)) {
        try {
          process.kill(Number(readFileSync(pidfile, 'utf8')), 'SIGKILL');
        } catch {
          // The server already exited.
        }
      }
    }
    await stopProcess(rig.haproxy);
    await rig.coordinator.stop();
    rmSync(rig.dir, { recursive: true, force: true });
  }
}
