import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { TrafficControl } from '../../../../protocol/src/index.ts';
import { HaproxyProvider, stateOf } from '../../../../coordinator/src/traffic/haproxy.ts';
import { parseServersState, parseShowStat } from '../../../../coordinator/src/traffic/haproxy-runtime.ts';
import { allowHost, blockHost } from '../../../../coordinator/src/traffic/steps.ts';
import { requireTool } from '../../../support/requirements.ts';

const STAT = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status
web,FRONTEND,,,0,0,0,0,0,0,0,0,0,,,,,OPEN
web,s1,0,0,2,3,,9,0,0,,0,,0,0,0,0,DRAIN
web,s2,1,1,0,1,,4,0,0,,0,,0,0,0,0,UP 1/3
web,BACKEND,0,0,2,3,0,13,0,0,0,0,,0,0,0,0,UP
`;

function host(name: string, tags: Record<string, string> = {}) {
  return { instanceId: `i-${name.toUpperCase().padEnd(8, '0')}`, hostname: name, tags };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('the HAProxy adapter', () => {
  describe('runtime API answers', () => {
    it('reads sessions, queue and status of the backend\'s servers only', () => {
      const stats = parseShowStat(STAT, 'web');
      assert.deepEqual([...stats.keys()], ['s1', 's2']);
      assert.deepEqual(stats.get('s1'), { server: 's1', status: 'DRAIN', sessions: 2, queued: 0 });
      assert.equal(stats.get('s2')?.status, 'UP 1/3');
    });

    it('reads show servers state, and tells drain, maintenance and up apart', () => {
      const text = '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight\n3 web 1 s1 127.0.0.1 2 8 1\n3 web 2 s2 127.0.0.1 0 1 1\n';
      const rows = parseServersState(text);
      assert.deepEqual(rows.get('s1'), { server: 's1', opState: 2, adminState: 8 });
      assert.deepEqual(stateOf(8, 2), { state: 'draining', detail: 'DRAIN' });
      assert.deepEqual(stateOf(1, 0), { state: 'out', detail: 'MAINT' });
      assert.deepEqual(stateOf(0, 2), { state: 'serving', detail: 'UP' });
    });
  });

  describe('against HAProxy from Debian', function () {
    this.timeout(30_000);
    let dir: string;
    let proc: ChildProcess;
    let app: http.Server;
    let socket: string;
    const settings = (extra: Record<string, unknown> = {}) =>
      TrafficControl.parse({ provider: 'haproxy', socket, backend: 'web', serverTemplate: '{hostname}', drainTimeoutSeconds: 2, healthIntervalSeconds: 0.2, healthyPasses: 2, allowTimeoutSeconds: 10, ...extra }) as Extract<TrafficControl, { provider: 'haproxy' }>;

    before(async function () {
      requireTool(this, 'haproxy', 'haproxy', ['-v']);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-haproxy-'));
      socket = path.join(dir, 'admin.sock');
      app = http.createServer((_req, res) => res.end('ok'));
      await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
      const appPort = (app.address() as net.AddressInfo).port;
      const cfg = ['global', `  stats socket ${socket} mode 600 level admin`, 'defaults', '  mode http', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
        'frontend fe', `  bind 127.0.0.1:${await freePort()}`, '  default_backend web', 'backend web', '  option httpchk GET /', '  default-server inter 200ms fall 2 rise 1',
        `  server web-1 127.0.0.1:${appPort} check`, `  server web-2 127.0.0.1:${await freePort()} check`].join('\n');
      fs.writeFileSync(path.join(dir, 'h.cfg'), cfg + '\n');
      proc = spawn('haproxy', ['-f', path.join(dir, 'h.cfg'), '-db'], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    });

    after(async () => {
      proc?.kill('SIGKILL');
      app?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('drains a host, waits for its sessions, then puts it back once it passes its health checks', async () => {
      const p = new HaproxyProvider(settings(), systemClock);
      const signal = new AbortController().signal;
      const blocked = await blockHost(p, host('web-1'), signal);
      assert.equal(blocked.status, 'Succeeded', blocked.message);
      assert.deepEqual((await p.states([host('web-1')], signal)).get(host('web-1').instanceId), { state: 'draining', detail: 'DRAIN' });
      const allowed = await allowHost(p, host('web-1'), settings(), systemClock, signal);
      assert.equal(allowed.status, 'Succeeded', allowed.message);
      assert.match(allowed.message ?? '', /passed 2 health check\(s\) in a row \(HAProxy reports web\/web-1 UP\)/);
    });

    it('sets maintenance when the group asks for it', async () => {
      const p = new HaproxyProvider(settings({ blockState: 'maint' }), systemClock);
      const signal = new AbortController().signal;
      assert.equal((await blockHost(p, host('web-1'), signal)).status, 'Succeeded');
      assert.equal((await p.states([host('web-1')], signal)).get(host('web-1').instanceId)?.state, 'out');
      await p.allow(host('web-1'), signal);
    });

    it('fails AllowTraffic with CUSTOMER_APPLICATION_UNHEALTHY when the server never passes its checks', async () => {
      const p = new HaproxyProvider(settings({ allowTimeoutSeconds: 1 }), systemClock);
      const outcome = await allowHost(p, host('web-2'), { ...settings(), allowTimeoutSeconds: 1 }, systemClock, new AbortController().signal);
      assert.equal(outcome.status, 'Failed');
      assert.equal(outcome.errorCode, 'CUSTOMER_APPLICATION_UNHEALTHY');
      assert.match(outcome.message ?? '', /web-2 did not pass 2 health check\(s\) in a row within 1 s \(last: HAProxy reports web\/web-2 DOWN\)/);
    });

    it('names a host HAProxy does not know (ELB_INVALID_INSTANCE) and a missing backend or mapping tag', async () => {
      const signal = new AbortController().signal;
      await assert.rejects(new HaproxyProvider(settings(), systemClock).verify([host('web-1'), host('web-9')], signal), (err: any) => err.code === 'ELB_INVALID_INSTANCE' && /backend web has no server web-9 \(host web-9\)/.test(err.message));
      await assert.rejects(new HaproxyProvider(settings({ backend: 'api' }), systemClock).verify([host('web-1')], signal), /HAProxy at .* has no backend api/);
      const byTag = new HaproxyProvider(settings({ serverTemplate: undefined, serverTag: 'lb' }), systemClock);
      await assert.rejects(byTag.verify([host('web-1')], signal), /host web-1 \(i-WEB-1000\) has no tag lb, which names its server on the load balancer/);
      const outcome = await blockHost(new HaproxyProvider(settings({ serverTemplate: '{tag:lb}' }), systemClock), host('web-1', { lb: 'web-1;shutdown' }), signal);
      assert.equal(outcome.errorCode, 'ELB_INVALID_INSTANCE');
      assert.match(outcome.message ?? '', /maps to "web-1;shutdown", which is not an HAProxy server name/);
    });

    it('says an unreachable socket is unreachable (ELASTIC_LOAD_BALANCING_INVALID)', async () => {
      const p = new HaproxyProvider(settings({ socket: path.join(dir, 'nope.sock') }), systemClock);
      await assert.rejects(p.verify([host('web-1')], new AbortController().signal), (err: any) => err.code === 'ELASTIC_LOAD_BALANCING_INVALID' && /cannot reach HAProxy's runtime API at .*nope\.sock: ENOENT/.test(err.message));
      const tcp = new HaproxyProvider(settings({ socket: `tcp://127.0.0.1:${await freePort()}` }), systemClock);
      await assert.rejects(tcp.verify([], new AbortController().signal), /cannot reach HAProxy's runtime API at tcp:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    });
  });
});
