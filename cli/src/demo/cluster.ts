/**
 * Starting the demo's coordinator and agents as separate processes on loopback.
 */
import { readFile } from 'node:fs/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { DeckhandClient } from '../client.ts';
import { packageRoot } from '../../../common/src/package-root.ts';
import { CliError } from '../errors.ts';
import type { ChildGroup, ManagedChild } from './children.ts';

/** The repository root, where bin/ lives. */
export const REPO_ROOT = packageRoot(import.meta.url);

/** The sample revision the demo pushes. */
export const DEMO_BUNDLE_DIR = path.join(REPO_ROOT, 'cli', 'demo-bundle');

const bin = (name: string): string => path.join(REPO_ROOT, 'bin', `${name}.js`);

/** A running demo coordinator. */
export interface DemoCoordinator {
  url: string;
  /** The fingerprint of the coordinator's own CA (the demo serves TLS as production does). */
  caSha256: string;
  dataDir: string;
  /** The coordinator's stdout and stderr. */
  logFile: string;
}

/** One demo agent's folders. */
export interface DemoAgent {
  slot: number;
  hostname: string;
  root: string;
  destRoot: string;
  /** The agent process's stdout and stderr. */
  logFile: string;
}

/** The last lines of a child's log, for error messages. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    // No log yet (the process failed to start): the caller's message says enough.
    return '';
  }
}

function failedChild(child: ManagedChild, what: string): CliError {
  const tail = logTail(child.logFile);
  return new CliError(`${what}; see ${child.logFile}${tail ? `\n${tail}` : ''}`);
}

/** Waits for `<dataDir>/coordinator.json`, failing early when the coordinator exits. */
async function waitForCoordinatorFile(child: ManagedChild, dataDir: string, timeoutMs: number): Promise<{ url: string; caSha256: string }> {
  const file = path.join(dataDir, 'coordinator.json');
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      const info = JSON.parse(await readFile(file, 'utf8')) as { url?: unknown; caSha256?: unknown };
      if (typeof info.url === 'string' && typeof info.caSha256 === 'string') return { url: info.url, caSha256: info.caSha256 };
    } catch {
      // Not written yet (or being written): poll again.
    }
    if (exited) throw failedChild(child, 'the coordinator exited during startup');
    await delay(100);
  }
  throw failedChild(child, `the coordinator did not write ${file} within ${timeoutMs / 1000}s`);
}

/** Starts a coordinator on 127.0.0.1 (any port) with `adminToken`, data under `dir`. */
export async function startCoordinator(group: ChildGroup, dir: string, adminToken: string): Promise<DemoCoordinator> {
  const dataDir = path.join(dir, 'coordinator');
  mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dir, 'coordinator.out.log');
  const env = { ...process.env, DECKHAND_ADMIN_TOKEN: adminToken };
  // TLS with the coordinator's own CA, pinned by the agents and the CLI, as on a real network.
  const child = group.start('coordinator', bin('deckhand-coordinator'), ['start', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--tls', 'auto'], {
    env,
    logFile,
  });
  const { url, caSha256 } = await waitForCoordinatorFile(child, dataDir, 20_000);
  return { url, caSha256, dataDir, logFile };
}

/** The environment of agent processes: no admin token, which agents never need. */
function agentEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['DECKHAND_ADMIN_TOKEN'];
  delete env['DECKHAND_TOKEN'];
  return env;
}

async function registerAgent(group: ChildGroup, agent: DemoAgent, coordinator: DemoCoordinator, token: string): Promise<void> {
  const args = ['register', '--coordinator', coordinator.url, '--token', token, '--root', agent.root, '--ca-sha256', coordinator.caSha256];
  args.push('--hostname', agent.hostname, '--tag', 'env=demo', '--tag', `slot=${agent.slot}`);
  const child = group.start(`register-${agent.slot}`, bin('deckhand-agent'), args, { env: agentEnv(), logFile: agent.logFile });
  const exit = await child.exited;
  if (exit.code !== 0) throw failedChild(child, `registering ${agent.hostname} failed`);
}

/** Registers `count` agents with `token` and starts them, each with its own root and dest root. */
export async function startAgents(group: ChildGroup, dir: string, coordinator: DemoCoordinator, token: string, count: number): Promise<DemoAgent[]> {
  const agents: DemoAgent[] = [];
  for (let slot = 1; slot <= count; slot++) {
    const base = path.join(dir, `agent-${slot}`);
    const agent = {
      slot,
      hostname: `demo-host-${slot}`,
      root: path.join(base, 'root'),
      destRoot: path.join(base, 'dest'),
      logFile: path.join(base, 'agent.out.log'),
    };
    mkdirSync(agent.root, { recursive: true });
    mkdirSync(agent.destRoot, { recursive: true });
    agents.push(agent);
  }
  await Promise.all(agents.map((a) => registerAgent(group, a, coordinator, token)));
  for (const a of agents) {
    group.start(`agent-${a.slot}`, bin('deckhand-agent'), ['run', '--root', a.root, '--dest-root', a.destRoot], {
      env: agentEnv(),
      logFile: a.logFile,
    });
  }
  return agents;
}

/** Polls GET /v1/instances until `count` instances are connected. */
export async function waitForConnected(client: DeckhandClient, count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let connected = 0;
  while (performance.now() < deadline) {
    connected = (await client.listInstances()).filter((i) => i.connected).length;
    if (connected >= count) return;
    await delay(200);
  }
  throw new CliError(`only ${connected} of ${count} agents connected within ${timeoutMs / 1000}s; see the agent logs`);
}
