/**
 * coord.traffic.apply on the host whose nginx a group drives: marks a server of an upstream file
 * down (or up) and reloads nginx, then answers agent.traffic.applied. Only files this agent's own
 * settings list (agent.yml `nginx.upstreamFiles`) are touched, with its own reload command: a
 * frame cannot make the agent write elsewhere or run something else, so a host that requires
 * signed revisions keeps that guarantee.
 */
import path from 'node:path';
import { NginxUpstreamError, NginxUpstreams } from '../../../common/src/nginx-upstream.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { TrafficApplyBody, TrafficAppliedBody } from '../../../protocol/src/messages.ts';

/** This host's nginx as agent.yml describes it. */
export interface NginxSettings {
  upstreamFiles: readonly string[];
  reload: readonly string[];
  pidFile?: string;
}

/** Dependencies of {@link nginxApplier}. */
export interface NginxApplyDeps {
  logger: Logger;
  /** Undefined: this host drives no nginx; every request is refused, saying so. */
  settings: NginxSettings | undefined;
  reply: (body: TrafficAppliedBody) => void;
}

/** The handler of coord.traffic.apply frames; answers each once. */
export function nginxApplier(deps: NginxApplyDeps): (body: TrafficApplyBody) => void {
  const log = deps.logger.child({ component: 'nginx' });
  // Changes of one file wait for each other (a blue/green switch sends several at once).
  const upstreams = new NginxUpstreams();
  return (body) => {
    void apply(deps.settings, body, upstreams).then((answer) => {
      log.info('nginx upstream change', { upstreamFile: body.upstreamFile, server: body.server, down: body.down, ok: answer.ok, message: answer.message });
      deps.reply(answer);
    });
  };
}

async function apply(settings: NginxSettings | undefined, body: TrafficApplyBody, upstreams: NginxUpstreams): Promise<TrafficAppliedBody> {
  const { requestId } = body;
  if (settings === undefined) return { requestId, ok: false, message: 'this agent drives no nginx: list its upstream files under nginx.upstreamFiles in agent.yml' };
  const file = path.resolve(body.upstreamFile);
  if (!settings.upstreamFiles.some((f) => path.resolve(f) === file)) {
    return { requestId, ok: false, message: `this agent may not rewrite ${file}: it is not under nginx.upstreamFiles in its agent.yml` };
  }
  try {
    const result = await upstreams.apply({ upstreamFile: file, server: body.server, down: body.down, reload: settings.reload, pidFile: settings.pidFile, drainTimeoutMs: body.drainTimeoutSeconds * 1000 });
    return { requestId, ok: true, ...(result.note === undefined ? {} : { message: result.note }) };
  } catch (err) {
    const kind = err instanceof NginxUpstreamError ? err.kind : 'balancer';
    // The kind travels in the message's first word, so the coordinator can tell a missing server.
    return { requestId, ok: false, message: `${kind === 'server' ? 'no-server' : 'failed'}: ${(err as Error).message}`.slice(0, 4096) };
  }
}
