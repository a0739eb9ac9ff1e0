/**
 * The http adapter: a webhook is told to block, allow or check a host and answers when done
 * (Traefik's HTTP provider behind a small service, a cloud balancer's API, anything). The
 * request is a POST of JSON `{action, host: {instanceId, hostname, tags}}` with the group's
 * token as a bearer token; any 2xx means done. A `check` answer may say `{"healthy": false}`.
 * The token is never logged or put in an error, and errors name the URL without its query.
 */
import type { z } from 'zod';
import { httpRequest, readText } from '../../../common/src/http-request.ts';
import type { HttpTrafficControl } from '../../../protocol/src/index.ts';
import { balancerInvalid, invalidInstance, type BlockResult, type HealthSample, type HostBalancerState, type TrafficHost, type TrafficProvider } from './provider.ts';

type Settings = z.output<typeof HttpTrafficControl>;

/** Longest part of a webhook's answer quoted in an error. */
const QUOTED_CHARS = 200;

/** The http adapter of one group. */
export class HttpProvider implements TrafficProvider {
  private readonly where: string;

  constructor(private readonly settings: Settings) {
    const url = new URL(settings.url);
    this.where = `${url.origin}${url.pathname}`;
  }

  async verify(hosts: readonly TrafficHost[], signal: AbortSignal): Promise<void> {
    // 404, 405 and 501 say the webhook does not know `verify`: it answered, which is all we ask.
    await this.call('verify', { hosts: hosts.map(hostBody) }, signal, [404, 405, 501]);
  }

  async block(host: TrafficHost, signal: AbortSignal): Promise<BlockResult> {
    await this.call('block', { host: hostBody(host) }, signal);
    return {};
  }

  async allow(host: TrafficHost, signal: AbortSignal): Promise<void> {
    await this.call('allow', { host: hostBody(host) }, signal);
  }

  async check(host: TrafficHost, signal: AbortSignal): Promise<HealthSample> {
    const { status, text } = await this.call('check', { host: hostBody(host) }, signal);
    let healthy = true;
    try {
      const body = JSON.parse(text) as { healthy?: unknown };
      if (body.healthy === false) healthy = false;
    } catch {
      // Not JSON: a 2xx alone says healthy.
    }
    return { healthy, detail: `webhook answered HTTP ${status}${healthy ? '' : ' (healthy: false)'}` };
  }

  async states(_hosts: readonly TrafficHost[], _signal: AbortSignal): Promise<Map<string, HostBalancerState>> {
    // A webhook only acts; status shows the state Deckhand last set.
    return new Map();
  }

  private async call(action: string, body: Record<string, unknown>, signal: AbortSignal, alsoOk: readonly number[] = []): Promise<{ status: number; text: string }> {
    const timeout = AbortSignal.timeout(this.settings.timeoutSeconds * 1000);
    const both = AbortSignal.any([signal, timeout]);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.settings.token !== undefined) headers['authorization'] = `Bearer ${this.settings.token}`;
    let status: number;
    let text: string;
    try {
      const res = await httpRequest(this.settings.url, { method: 'POST', headers, body: JSON.stringify({ action, ...body }), signal: both, maxRedirects: 0 });
      status = res.status;
      text = await readText(res.body);
    } catch (err) {
      if (signal.aborted) throw err;
      const why = timeout.aborted ? `no answer within ${this.settings.timeoutSeconds} s` : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
      throw balancerInvalid(`cannot reach the traffic webhook ${this.where} (${action}): ${this.redact(why)}`);
    }
    if ((status >= 200 && status < 300) || alsoOk.includes(status)) return { status, text };
    const quoted = this.redact(text.replace(/\s+/g, ' ').trim().slice(0, QUOTED_CHARS));
    const message = `the traffic webhook ${this.where} answered HTTP ${status} to ${action}${quoted ? `: ${quoted}` : ''}`;
    throw status === 404 || status === 422 ? invalidInstance(message) : balancerInvalid(message);
  }

  /** Removes the token from text a webhook or the network wrote (it could echo it). */
  private redact(text: string): string {
    const token = this.settings.token;
    return token === undefined ? text : text.split(token).join('[token]');
  }
}

function hostBody(host: TrafficHost): Record<string, unknown> {
  return { instanceId: host.instanceId, hostname: host.hostname, tags: host.tags };
}
