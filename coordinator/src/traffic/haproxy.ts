/**
 * The HAProxy adapter: `set server BACKEND/SERVER state drain|maint` takes a host out, `ready`
 * puts it back, `show stat` says how many sessions it still has and whether its health checks
 * pass. A host's server name comes from the group's tag or template.
 */
import { sleep, type Clock } from '../../../common/src/clock.ts';
import type { z } from 'zod';
import type { HaproxyTrafficControl } from '../../../protocol/src/index.ts';
import { ServerMapping } from './mapping.ts';
import { ADMIN_DRAIN, ADMIN_MAINT, parseEndpoint, parseServersState, parseShowStat, runtimeCommand, type RuntimeEndpoint, type ServerStat } from './haproxy-runtime.ts';
import { balancerInvalid, invalidInstance, type BlockResult, type HealthSample, type HostBalancerState, type TrafficHost, type TrafficProvider } from './provider.ts';

type Settings = z.output<typeof HaproxyTrafficControl>;

/** HAProxy's own rule for proxy and server names. */
const SERVER_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** How often BlockTraffic reads the server's sessions while it drains. */
const DRAIN_POLL_MS = 200;

/** The HAProxy adapter of one group. */
export class HaproxyProvider implements TrafficProvider {
  private readonly endpoint: RuntimeEndpoint;
  private readonly mapping: ServerMapping;

  constructor(
    private readonly settings: Settings,
    private readonly clock: Clock,
  ) {
    this.endpoint = parseEndpoint(settings.socket);
    this.mapping = new ServerMapping(settings, { pattern: SERVER_NAME, what: 'an HAProxy server name (letters, digits, _ . : -)' });
  }

  async verify(hosts: readonly TrafficHost[], signal: AbortSignal): Promise<void> {
    const servers = await this.stats(signal);
    if (servers.size === 0) await this.assertBackend(signal);
    for (const host of hosts) this.known(servers, host);
  }

  async block(host: TrafficHost, signal: AbortSignal): Promise<BlockResult> {
    const server = this.mapping.serverOf(host);
    await this.set(server, this.settings.blockState, signal);
    const deadline = this.clock.monotonicMs() + this.settings.drainTimeoutSeconds * 1000;
    for (;;) {
      const stat = this.known(await this.stats(signal), host);
      if (stat.sessions === 0 && stat.queued === 0) return {};
      if (this.clock.monotonicMs() >= deadline) {
        return { note: `${stat.sessions} session(s) still open on ${this.settings.backend}/${server} after the ${this.settings.drainTimeoutSeconds} s drain timeout; going on` };
      }
      await sleep(this.clock, DRAIN_POLL_MS, signal);
    }
  }

  async allow(host: TrafficHost, signal: AbortSignal): Promise<void> {
    await this.set(this.mapping.serverOf(host), 'ready', signal);
  }

  async check(host: TrafficHost, signal: AbortSignal): Promise<HealthSample> {
    const stat = this.known(await this.stats(signal), host);
    // "UP 1/3" is a server failing checks on its way down (or just out of maintenance): not yet.
    return { healthy: stat.status === 'UP' || stat.status === 'no check', detail: `HAProxy reports ${this.settings.backend}/${stat.server} ${stat.status}` };
  }

  async states(hosts: readonly TrafficHost[], signal: AbortSignal): Promise<Map<string, HostBalancerState>> {
    const text = await runtimeCommand(this.endpoint, `show servers state ${this.settings.backend}`, { signal });
    const rows = parseServersState(text);
    const out = new Map<string, HostBalancerState>();
    for (const host of hosts) {
      // A host the mapping cannot name has no state on the balancer; status shows it as unknown.
      const server = this.mapping.serverIfMapped(host);
      if (server === undefined) continue;
      const row = rows.get(server);
      if (row) out.set(host.instanceId, stateOf(row.adminState, row.opState));
    }
    return out;
  }

  private async set(server: string, state: 'drain' | 'maint' | 'ready', signal: AbortSignal): Promise<void> {
    const answer = (await runtimeCommand(this.endpoint, `set server ${this.settings.backend}/${server} state ${state}`, { signal })).trim();
    if (answer === '') return;
    if (/no such backend/i.test(answer)) throw balancerInvalid(`HAProxy at ${this.settings.socket} has no backend ${this.settings.backend}`);
    if (/no such server/i.test(answer)) throw invalidInstance(`HAProxy backend ${this.settings.backend} has no server ${server}`);
    throw balancerInvalid(`HAProxy refused "set server ${this.settings.backend}/${server} state ${state}": ${answer.slice(0, 200)}`);
  }

  private async stats(signal: AbortSignal): Promise<Map<string, ServerStat>> {
    return parseShowStat(await runtimeCommand(this.endpoint, `show stat ${this.settings.backend} 4 -1`, { signal }), this.settings.backend);
  }

  /** An empty `show stat` is an unknown backend or one without servers: tell which. */
  private async assertBackend(signal: AbortSignal): Promise<void> {
    const all = await runtimeCommand(this.endpoint, 'show stat -1 2 -1', { signal });
    if (!all.split('\n').some((l) => l.startsWith(`${this.settings.backend},BACKEND,`))) {
      throw balancerInvalid(`HAProxy at ${this.settings.socket} has no backend ${this.settings.backend}`);
    }
  }

  private known(servers: Map<string, ServerStat>, host: TrafficHost): ServerStat {
    const server = this.mapping.serverOf(host);
    const stat = servers.get(server);
    if (!stat) throw invalidInstance(`HAProxy backend ${this.settings.backend} has no server ${server} (host ${host.hostname})`);
    return stat;
  }
}

/** A server's balancer state from its administrative and operational state. */
export function stateOf(adminState: number, opState: number): HostBalancerState {
  if ((adminState & ADMIN_MAINT) !== 0) return { state: 'out', detail: 'MAINT' };
  if ((adminState & ADMIN_DRAIN) !== 0) return { state: 'draining', detail: 'DRAIN' };
  if (opState === 2) return { state: 'serving', detail: 'UP' };
  return { state: 'out', detail: opState === 0 ? 'DOWN' : opState === 1 ? 'STARTING' : 'STOPPING' };
}
