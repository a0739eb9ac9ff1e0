/**
 * Debian's `prometheus` and `prometheus-alertmanager` for the tests: each started on a loopback
 * port with its configuration and data in a temporary folder, and stopped with its folder. A
 * small exporter the test controls serves `/metrics` (gauges per host) and `/health/HOST`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitReady(url: string, proc: ChildProcess, output: () => string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode}: ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      http.get(url, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      }).on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`not ready at ${url} after ${ms} ms: ${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A started server: its URL, and how to stop it. */
export interface Served {
  url: string;
  stop(): Promise<void>;
}

async function run(bin: string, args: (dir: string, port: number) => string[], files: (dir: string) => void, readyPath: string): Promise<Served> {
  const dir = mkdtempSync(path.join(tmpdir(), `dh-${bin}-`));
  files(dir);
  const port = await freePort();
  const proc = spawn(bin, args(dir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  proc.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(`${url}${readyPath}`, proc, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

/** Prometheus scraping `targets` (host:port) every second. */
export function startPrometheus(targets: readonly string[]): Promise<Served> {
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: app',
    '    static_configs:',
    `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  return run(
    'prometheus',
    (dir, port) => [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    (dir) => writeFileSync(path.join(dir, 'prometheus.yml'), config),
    '/-/ready',
  );
}

/** An Alertmanager without clustering, routing every alert to a receiver that sends nothing. */
export function startAlertmanager(): Promise<Served> {
  const config = 'route:\n  receiver: none\nreceivers:\n  - name: none\n';
  return run(
    'prometheus-alertmanager',
    (dir, port) => [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    (dir) => writeFileSync(path.join(dir, 'alertmanager.yml'), config),
    '/-/ready',
  );
}

/** An exporter whose gauges and health answers the test sets. */
export class TestExporter {
  /** Per host: app_errors_ratio. */
  readonly errors = new Map<string, number>();
  /** Hosts whose /health/HOST answers 500. */
  readonly unhealthy = new Set<string>();
  private readonly server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/metrics') {
      const lines = ['# TYPE app_errors_ratio gauge', ...[...this.errors].map(([host, v]) => `app_errors_ratio{host="${host}"} ${v}`), ''];
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(lines.join('\n'));
      return;
    }
    const host = /^\/health\/([^/?]+)/.exec(url)?.[1];
    const ok = host !== undefined && !this.unhealthy.has(decodeURIComponent(host));
    res.writeHead(ok ? 200 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'failing' }));
  });
  address = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.address = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
