/**
 * Builds the adapter a group's traffic control names. The `command` provider has none on the
 * coordinator: its scripts run on each host inside the host's own lifecycle.
 */
import type { Clock } from '../../../common/src/clock.ts';
import type { NginxUpstreams } from '../../../common/src/nginx-upstream.ts';
import type { TrafficControl } from '../../../protocol/src/index.ts';
import { HaproxyProvider } from './haproxy.ts';
import { HttpProvider } from './http.ts';
import { localNginx, NginxProvider, type NginxExecutor } from './nginx.ts';
import type { TrafficProvider } from './provider.ts';

/** What building adapters needs. */
export interface ProviderDeps {
  clock: Clock;
  /** The executor for nginx on another host (through its agent); `runOn` names the host. */
  remoteNginx: (settings: Extract<TrafficControl, { provider: 'nginx' }>) => NginxExecutor;
  /** nginx beside the coordinator: its upstream files, changed one change at a time (one for the process). */
  nginxUpstreams: NginxUpstreams;
}

/** The coordinator-side adapter of `control`; undefined for `command` (the agent runs it). */
export function providerFor(control: TrafficControl, deps: ProviderDeps): TrafficProvider | undefined {
  switch (control.provider) {
    case 'haproxy':
      return new HaproxyProvider(control, deps.clock);
    case 'nginx':
      return new NginxProvider(control, control.runOn === 'coordinator' ? localNginx(control, deps.nginxUpstreams) : deps.remoteNginx(control));
    case 'http':
      return new HttpProvider(control);
    case 'command':
      return undefined;
  }
}
