/** The agent's version, taken from the repository's package.json so there is one source of truth. */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** The version this agent reports in agent.hello and its inventory, e.g. `0.1.0`. */
export const AGENT_VERSION: string = readVersion();
