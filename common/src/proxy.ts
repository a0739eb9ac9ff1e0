/**
 * Outgoing connections through an HTTP proxy: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY
 * as curl reads them (proxy-from-env), tunnelled with CONNECT (https-proxy-agent) for WebSockets,
 * HTTPS and plain HTTP alike. The agent's `proxy` setting is applied by setting these variables
 * at start (agent/src/main.ts), so every connection follows one rule.
 */
import type { Agent } from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';

const agents = new Map<string, Agent>();

/** The proxy URL for `url` from the environment, or undefined for a direct connection. */
export function proxyFor(url: string): string | undefined {
  // proxy-from-env knows http and https; WebSocket URLs go the way their HTTP twins go.
  const asHttp = url.replace(/^ws(s?):/, 'http$1:');
  return getProxyForUrl(asHttp) || undefined;
}

/** An agent tunnelling to `url` through the environment's proxy, or undefined when none applies. */
export function proxyAgentFor(url: string): Agent | undefined {
  const proxy = proxyFor(url);
  if (proxy === undefined) return undefined;
  let agent = agents.get(proxy);
  if (!agent) {
    agent = new HttpsProxyAgent(proxy);
    agents.set(proxy, agent);
  }
  return agent;
}

/** Sets the proxy variables from the agent's `proxy`/`noProxy` settings (which win over the environment). */
export function applyProxySettings(env: NodeJS.ProcessEnv, proxy: string | undefined, noProxy: string | undefined): void {
  if (proxy !== undefined) {
    env['HTTPS_PROXY'] = proxy;
    env['HTTP_PROXY'] = proxy;
  }
  if (noProxy !== undefined) env['NO_PROXY'] = noProxy;
}
