/**
 * The nginx adapter: a host is a `server ADDRESS` line of an upstream file; BlockTraffic marks it
 * `down` and reloads nginx gracefully, AllowTraffic removes the mark and reloads, and a health
 * check is a GET of the group's health path on the host's address (open-source nginx has no
 * active checks of its own). The file is changed by the coordinator when nginx runs beside it,
 * or by the agent of the host the group names (through coord.traffic.apply).
 */
import http from 'node:http';
import { promises as fs } from 'node:fs';
import type { z } from 'zod';
import { NginxUpstreamError, serversOf, type NginxChangeResult, type NginxUpstreams } from '../../../common/src/nginx-upstream.ts';
import type { NginxTrafficControl } from '../../../protocol/src/index.ts';
import { ServerMapping } from './mapping.ts';
import { balancerInvalid, invalidInstance, TrafficError, type BlockResult, type HealthSample, type HostBalancerState, type TrafficHost, type TrafficProvider } from './provider.ts';

type Settings = z.output<typeof NginxTrafficControl>;

/** host:port, [v6]:port, or unix:/path, as nginx's `server` takes them (no spaces, no `;`). */
const SERVER_ADDRESS = /^[A-Za-z0-9_.:[\]/-]{1,255}$/;

/** Who changes the upstream file and reloads nginx. */
export interface NginxExecutor {
  /** Marks `server` down (or not) and reloads; throws NginxUpstreamError or TrafficError. */
  apply(server: string, down: boolean, signal: AbortSignal): Promise<NginxChangeResult>;
  /** The upstream file's text, when this side can read it (for status). */
  read(): Promise<string | undefined>;
}

/** nginx beside the coordinator: the coordinator's own process rewrites and reloads, one change of a file at a time. */
export function localNginx(settings: Settings, upstreams: NginxUpstreams): NginxExecutor {
  return {
    apply: (server, down, signal) =>
      upstreams.apply({ upstreamFile: settings.upstreamFile, server, down, reload: settings.reload, pidFile: settings.pidFile, drainTimeoutMs: settings.drainTimeoutSeconds * 1000, signal }),
    read: () => fs.readFile(settings.upstreamFile, 'utf8').catch(() => undefined),
  };
}

/** Per request, how long a health GET may take. */
const CHECK_TIMEOUT_MS = 2000;

/** The nginx adapter of one group. */
export class NginxProvider implements TrafficProvider {
  private readonly mapping: ServerMapping;

  constructor(
    private readonly settings: Settings,
    private readonly executor: NginxExecutor,
  ) {
    this.mapping = new ServerMapping(settings, { pattern: SERVER_ADDRESS, what: 'an nginx server address (host:port or unix:/path)' });
  }

  async verify(hosts: readonly TrafficHost[], _signal: AbortSignal): Promise<void> {
    const text = await this.executor.read();
    if (text === undefined) return;
    const servers = serversOf(text);
    for (const host of hosts) {
      const server = this.mapping.serverOf(host);
      if (!servers.has(server)) throw invalidInstance(`nginx upstream file ${this.settings.upstreamFile} has no "server ${server}" line (host ${host.hostname})`);
    }
  }

  async block(host: TrafficHost, signal: AbortSignal): Promise<BlockResult> {
    const result = await this.run(host, true, signal);
    return result.note === undefined ? {} : { note: result.note };
  }

  async allow(host: TrafficHost, signal: AbortSignal): Promise<void> {
    await this.run(host, false, signal);
  }

  async check(host: TrafficHost, signal: AbortSignal): Promise<HealthSample> {
    const server = this.mapping.serverOf(host);
    const status = await probe(server, this.settings.healthPath, signal);
    const healthy = typeof status === 'number' && status >= 200 && status < 400;
    return { healthy, detail: `GET ${server}${this.settings.healthPath}: ${typeof status === 'number' ? `HTTP ${status}` : status}` };
  }

  async states(hosts: readonly TrafficHost[], _signal: AbortSignal): Promise<Map<string, HostBalancerState>> {
    const out = new Map<string, HostBalancerState>();
    const text = await this.executor.read();
    if (text === undefined) return out;
    const servers = serversOf(text);
    for (const host of hosts) {
      // A host the mapping cannot name has no state on the balancer; status shows it as unknown.
      const server = this.mapping.serverIfMapped(host);
      if (server === undefined) continue;
      const s = servers.get(server);
      if (s) out.set(host.instanceId, s.down ? { state: 'out', detail: 'down' } : { state: 'serving', detail: 'up' });
    }
    return out;
  }

  private async run(host: TrafficHost, down: boolean, signal: AbortSignal): Promise<NginxChangeResult> {
    const server = this.mapping.serverOf(host);
    try {
      return await this.executor.apply(server, down, signal);
    } catch (err) {
      if (err instanceof TrafficError) throw err;
      if (err instanceof NginxUpstreamError) throw err.kind === 'server' ? invalidInstance(err.message) : balancerInvalid(err.message);
      throw err;
    }
  }
}

/** GETs `path` from the server's address; the status code, or why there is none. */
function probe(server: string, path: string, signal: AbortSignal): Promise<number | string> {
  const unix = server.startsWith('unix:') ? server.slice('unix:'.length) : undefined;
  const colon = server.lastIndexOf(':');
  const target = unix !== undefined ? { socketPath: unix } : { host: server.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(server.slice(colon + 1)) || 80 };
  return new Promise((resolve) => {
    const req = http.request({ ...target, path, method: 'GET', timeout: CHECK_TIMEOUT_MS, signal, agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}
