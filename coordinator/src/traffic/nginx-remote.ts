/**
 * nginx on another host: the upstream file is changed by that host's agent (coord.traffic.apply),
 * which acts only on files its own agent.yml lists. The host is the group's `runOn`: a hostname
 * or an instance id.
 */
import type { TrafficApplyBody, TrafficControl } from '../../../protocol/src/index.ts';
import type { TrafficApplyAnswer } from '../hub/index.ts';
import type { InstanceRepository } from '../store/instances.ts';
import type { NginxExecutor } from './nginx.ts';
import { balancerInvalid, invalidInstance } from './provider.ts';

type Settings = Extract<TrafficControl, { provider: 'nginx' }>;

/** How the coordinator reaches the agent of nginx's host (the hub). */
export interface TrafficApplier {
  applyTraffic(instanceId: string, change: Omit<TrafficApplyBody, 'requestId'>, timeoutMs: number): Promise<TrafficApplyAnswer>;
}

/** Slack over the drain timeout before an agent's silence counts as a failure. */
const ANSWER_GRACE_MS = 30_000;

/** The executor for nginx on the host `settings.runOn`. */
export function remoteNginx(settings: Settings, instances: Pick<InstanceRepository, 'get' | 'list'>, hub: TrafficApplier): NginxExecutor {
  const hostOf = async (): Promise<string> => {
    const byId = await instances.get(settings.runOn).catch(() => undefined);
    if (byId) return byId.instanceId;
    const named = (await instances.list()).filter((i) => i.hostname === settings.runOn);
    if (named.length === 1 && named[0]) return named[0].instanceId;
    throw balancerInvalid(named.length === 0 ? `no registered host is named ${settings.runOn}, where the group's nginx runs` : `${named.length} hosts are named ${settings.runOn}: name nginx's host by its instance id`);
  };
  return {
    async apply(server, down) {
      const instanceId = await hostOf();
      const answer = await hub.applyTraffic(instanceId, { upstreamFile: settings.upstreamFile, server, down, drainTimeoutSeconds: settings.drainTimeoutSeconds }, settings.drainTimeoutSeconds * 1000 + ANSWER_GRACE_MS);
      if (answer === 'offline') throw balancerInvalid(`the agent of ${settings.runOn}, where the group's nginx runs, is not connected`);
      if (answer === 'timeout') throw balancerInvalid(`the agent of ${settings.runOn}, where the group's nginx runs, did not answer`);
      if (!answer.ok) {
        const message = `nginx on ${settings.runOn}: ${answer.message ?? 'failed'}`;
        throw answer.message?.startsWith('no-server:') === true ? invalidInstance(message) : balancerInvalid(message);
      }
      return answer.message === undefined ? { changed: true } : { changed: true, note: answer.message };
    },
    // The file is on the other host: status shows the state Deckhand last set.
    read: async () => undefined,
  };
}
