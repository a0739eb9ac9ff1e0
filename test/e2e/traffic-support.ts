/**
 * Real load balancers for the traffic tests: Debian's HAProxy and nginx started on loopback
 * (configuration in a temp dir, unprivileged ports, foreground processes), a revision whose hooks
 * run a small HTTP server per host, and a steady stream of requests through the balancer that
 * counts every failure.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stopProcess, waitFor } from './cluster.ts';

/** A free TCP port on loopback (bound and released; good enough for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** One command to HAProxy's runtime API over its Unix socket; resolves with the answer. */
export function haproxyCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = net.createConnection({ path: socket });
    let out = '';
    conn.on('connect', () => conn.end(`${command}\n`));
    conn.on('data', (d: Buffer) => (out += d.toString()));
    conn.on('error', reject);
    conn.on('close', () => resolve(out));
  });
}

/** A running HAProxy in front of `servers` (name → port), health-checking GET /health every second. */
export interface Haproxy {
  port: number;
  socket: string;
  proc: ChildProcess;
  stop(): Promise<void>;
  /** `show stat` status of each server of backend web. */
  statuses(): Promise<Map<string, string>>;
  /** `show servers state web`: each server and whether it is forced to drain. */
  adminStates(): Promise<{ server: string; drained: boolean }[]>;
}

/** Starts HAProxy (foreground, -db) with backend `web`; resolves once its socket answers. */
export async function startHaproxy(dir: string, servers: Record<string, number>, opts: { checkInterval?: string } = {}): Promise<Haproxy> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const socket = path.join(dir, 'admin.sock');
  const inter = opts.checkInterval ?? '1s';
  const lines = [
    'global',
    `  stats socket ${socket} mode 600 level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend web',
    'backend web',
    '  option httpchk GET /health',
    `  default-server inter ${inter} fall 2 rise 1`,
    ...Object.entries(servers).map(([name, p]) => `  server ${name} 127.0.0.1:${p} check`),
  ];
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfg, lines.join('\n') + '\n');
  const proc = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(`HAProxy to start (${stderr})`, async () => (existsSync(socket) ? (await haproxyCommand(socket, 'show info').then(() => true, () => undefined)) : undefined), 10_000);
  return {
    port,
    socket,
    proc,
    stop: () => stopProcess(proc),
    async statuses() {
      const csv = await haproxyCommand(socket, 'show stat web 4 -1');
      const out = new Map<string, string>();
      const header = (csv.split('\n')[0] ?? '').replace(/^# /, '').split(',');
      for (const line of csv.split('\n').slice(1)) {
        const f = line.split(',');
        if (f[0] === 'web' && f[1]) out.set(f[1], f[header.indexOf('status')] ?? '');
      }
      return out;
    },
    async adminStates() {
      const text = await haproxyCommand(socket, 'show servers state web');
      return text
        .split('\n')
        .filter((l) => /^\d+ web /.test(l))
        .map((l) => {
          const f = l.split(' ');
          return { server: f[3] ?? '', drained: (Number(f[6]) & 0x08) !== 0 };
        });
    },
  };
}

/** A running nginx proxying to an upstream file the traffic provider rewrites. */
export interface Nginx {
  port: number;
  upstreamFile: string;
  conf: string;
  pidFile: string;
  reload: string[];
  proc: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts nginx (master in the foreground: daemon off) proxying to upstream `app` in its own
 * file. proxy_next_upstream is off, so a request sent to a server that is going away fails
 * rather than being retried elsewhere: zero failures means the drain worked.
 */
export async function startNginx(dir: string, servers: Record<string, number>): Promise<Nginx> {
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const port = await freePort();
  const upstreamFile = path.join(dir, 'upstream.conf');
  const pidFile = path.join(dir, 'nginx.pid');
  writeFileSync(upstreamFile, ['upstream app {', ...Object.values(servers).map((p) => `    server 127.0.0.1:${p};`), '}', ''].join('\n'));
  const conf = path.join(dir, 'nginx.conf');
  const root = process.getuid?.() === 0 ? 'user root;\n' : '';
  writeFileSync(
    conf,
    `${root}worker_processes 1;
daemon off;
pid ${pidFile};
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${upstreamFile};
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_next_upstream off;
    }
  }
}
`,
  );
  const proc = spawn('nginx', ['-c', conf, '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(`nginx to start (${stderr})`, () => (existsSync(pidFile) ? true : undefined), 10_000);
  return { port, upstreamFile, conf, pidFile, reload: ['nginx', '-c', conf, '-p', dir, '-s', 'reload'], proc, stop: () => stopProcess(proc) };
}

/** True when nginx (the binary) can run here. */
export function nginxRuns(): boolean {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    // Not installed: the caller marks its tests pending.
    return false;
  }
}

/** Requests sent through a balancer at a steady rate, and how they went. */
export interface Load {
  /** Stops sending and resolves once every request in flight has ended. */
  stop(): Promise<LoadReport>;
}

/** What a load run saw. */
export interface LoadReport {
  sent: number;
  ok: number;
  failures: { at: number; why: string }[];
  /** Answers per body (the serving host and version). */
  byBody: Map<string, number>;
}

/** Sends GET / to `port` every `everyMs` on a fresh connection, counting every answer that is not a 200. */
export function startLoad(port: number, everyMs = 20): Load {
  const report: LoadReport = { sent: 0, ok: 0, failures: [], byBody: new Map() };
  const inFlight = new Set<Promise<void>>();
  const one = (): Promise<void> =>
    new Promise<void>((resolve) => {
      report.sent += 1;
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000, headers: { connection: 'close' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          if (res.statusCode === 200) {
            report.ok += 1;
            report.byBody.set(body.trim(), (report.byBody.get(body.trim()) ?? 0) + 1);
          } else report.failures.push({ at: Date.now(), why: `HTTP ${res.statusCode}: ${body.slice(0, 100)}` });
          resolve();
        });
        res.on('error', (err) => {
          report.failures.push({ at: Date.now(), why: err.message });
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => {
        report.failures.push({ at: Date.now(), why: err.message });
        resolve();
      });
    });
  const timer = setInterval(() => {
    const p = one();
    inFlight.add(p);
    void p.then(() => inFlight.delete(p));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return report;
    },
  };
}

/**
 * A revision that runs a small HTTP server on each host, on the port in `$DECKHAND_ROOT/app-port`:
 * `/` answers `<hostname> <version>`, `/health` 200 unless `$DECKHAND_ROOT/unhealthy` exists.
 * ApplicationStop records HAProxy's `show servers state web` (when HAPROXY_SOCKET is a parameter)
 * in `$DECKHAND_ROOT/stop-states.log` before it stops the server. `validate` is ValidateService's script.
 */
export function appRevision(version: string, opts: { validate?: string } = {}): Record<string, string> {
  const hooks = [
    ['ApplicationStop', 'scripts/stop.sh'],
    ['ApplicationStart', 'scripts/start.sh'],
    ['ValidateService', 'scripts/validate.sh'],
  ];
  const appspec = ['version: 0.0', 'os: linux', 'hooks:'];
  for (const [event, location] of hooks) appspec.push(`  ${event}:`, `    - location: ${location}`, '      timeout: 60');
  return {
    'appspec.yml': appspec.join('\n') + '\n',
    'app/server.js': `const http = require('node:http');
const fs = require('node:fs');
const root = process.env.DECKHAND_ROOT;
const port = Number(fs.readFileSync(root + '/app-port', 'utf8'));
const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    const bad = fs.existsSync(root + '/unhealthy');
    res.writeHead(bad ? 503 : 200);
    return res.end(bad ? 'unhealthy' : 'ok');
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(fs.readFileSync(root + '/host-name', 'utf8').trim() + ' ${version}\\n');
});
server.keepAliveTimeout = 1000;
server.listen(port, '127.0.0.1', () => fs.writeFileSync(root + '/app.pid', String(process.pid)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`,
    'app/show-state.js': `const net = require('node:net');
const fs = require('node:fs');
const conn = net.createConnection({ path: process.env.HAPROXY_SOCKET });
let out = '';
conn.on('connect', () => conn.end('show servers state web\\n'));
conn.on('data', (d) => (out += d));
conn.on('close', () => {
  const name = fs.readFileSync(process.env.DECKHAND_ROOT + '/host-name', 'utf8').trim();
  const row = out.split('\\n').find((l) => l.split(' ')[3] === name) || 'missing';
  fs.appendFileSync(process.env.DECKHAND_ROOT + '/stop-states.log', name + ' ' + process.env.DEPLOYMENT_ID + ' ' + row + '\\n');
});
`,
    'scripts/stop.sh': `#!/bin/bash
set -e
if [ -n "$HAPROXY_SOCKET" ]; then "$NODE_BIN" "$DECKHAND_ARCHIVE_DIR/app/show-state.js"; fi
pidfile="$DECKHAND_ROOT/app.pid"
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$pidfile"
fi
`,
    'scripts/start.sh': `#!/bin/bash
set -e
rm -f "$DECKHAND_ROOT/app.pid"
setsid "$NODE_BIN" "$DECKHAND_ARCHIVE_DIR/app/server.js" </dev/null >/dev/null 2>&1 &
for i in $(seq 1 100); do [ -f "$DECKHAND_ROOT/app.pid" ] && exit 0; sleep 0.05; done
echo "the server did not start" >&2
exit 1
`,
    'scripts/validate.sh': opts.validate ?? `#!/bin/bash
port=$(cat "$DECKHAND_ROOT/app-port")
"$NODE_BIN" -e "require('http').get('http://127.0.0.1:$port/health', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"
`,
  };
}

/** Prepares an agent root for the app: its port and name; returns the port. */
export async function prepareHost(root: string, hostname: string): Promise<number> {
  mkdirSync(root, { recursive: true });
  const port = await freePort();
  writeFileSync(path.join(root, 'app-port'), String(port));
  writeFileSync(path.join(root, 'host-name'), hostname);
  return port;
}

/** Kills the app server an agent root's hooks left running. */
export function killApp(root: string): void {
  const pidfile = path.join(root, 'app.pid');
  if (!existsSync(pidfile)) return;
  try {
    process.kill(Number(readFileSync(pidfile, 'utf8')), 'SIGKILL');
  } catch {
    // Already gone.
  }
}
