/**
 * A real agent process (bin/deckhand-agent.js) registered with and connected to a real
 * coordinator on loopback, with the benchmark revision uploaded, ready to be deployed to.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { InstanceView, RegistrationTokenView } from '../../protocol/src/index.ts';
import { startCoordinator, type Coordinator } from '../lib/coordinator.ts';
import { spawnNode } from '../lib/proc.ts';
import { packRevision, setUpDeploymentTarget, writeNoopRevision, type DeploymentTarget } from '../lib/revision.ts';
import { packagedAgent } from '../lib/agent-entry.ts';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../installers/package/runtime.ts';

const execFileP = promisify(execFile);

/** Small files in the benchmark bundle. */
export const BUNDLE_FILES = 50;

/** A coordinator, one real agent, and the revision to deploy. */
export interface AgentSetup {
  coordinator: Coordinator;
  agent: ChildProcess;
  agentPid: number;
  instanceId: string;
  /** The agent's --root. */
  root: string;
  /** The revision folder and its packed tgz, for `deckhand-agent local`. */
  revisionDir: string;
  bundleFile: string;
  target: DeploymentTarget;
  /** When the agent process was started (performance.now()). */
  startedAt: number;
}

async function registerAgent(coordinator: Coordinator, root: string): Promise<string> {
  const token = await coordinator.call<RegistrationTokenView>('POST', '/v1/registration-tokens', { ttlSeconds: 600, tags: { agent: 'bench' } });
  const args = ['register', '--coordinator', coordinator.url, '--token', token.token ?? '', '--root', root, '--hostname', 'bench-host', '--json'];
  const agent = await packagedAgent();
  const { stdout } = await execFileP(agent.node, [agent.script, ...args]);
  return (JSON.parse(stdout) as { instanceId: string }).instanceId;
}

async function waitConnected(coordinator: Coordinator, instanceId: string): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const { instances } = await coordinator.call<{ instances: InstanceView[] }>('GET', '/v1/instances');
    if (instances.some((i) => i.instanceId === instanceId && i.connected)) return;
    await delay(100);
  }
  throw new Error(`the agent ${instanceId} did not connect within 30 s`);
}

/** Extra settings of the agent process, for probing its memory (`--heapsnapshot-signal`, ...). */
export interface AgentProcessOptions {
  /** Node.js options added after the packaged ones. */
  nodeArgs?: readonly string[];
  /** Environment added to the packaged one. */
  env?: Readonly<Record<string, string>>;
}

/** Starts everything under `dir`; resolves once the agent is connected. */
export async function startAgentSetup(dir: string, opts: AgentProcessOptions = {}): Promise<AgentSetup> {
  const coordinator = await startCoordinator();
  const revisionDir = path.join(dir, 'revision');
  writeNoopRevision(revisionDir, BUNDLE_FILES);
  const bundle = await packRevision(revisionDir);
  const bundleFile = path.join(dir, 'bundle.tgz');
  writeFileSync(bundleFile, bundle);
  const target = await setUpDeploymentTarget(coordinator, bundle, [{ type: 'KEY_AND_VALUE', key: 'agent', value: 'bench' }]);
  const root = path.join(dir, 'agent-root');
  const destRoot = path.join(dir, 'agent-dest');
  mkdirSync(destRoot, { recursive: true });
  const instanceId = await registerAgent(coordinator, root);
  const fd = openSync(path.join(dir, 'agent.out.log'), 'a');
  const startedAt = performance.now();
  const packaged = await packagedAgent();
  const agent = spawnNode(packaged.script, ['run', '--root', root, '--dest-root', destRoot], {
    node: packaged.node,
    nodeArgs: [...AGENT_NODE_FLAGS, ...(opts.nodeArgs ?? [])],
    env: { ...process.env, ...AGENT_ENV, ...opts.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (agent.pid === undefined) throw new Error('the agent did not start');
  await waitConnected(coordinator, instanceId);
  return { coordinator, agent, agentPid: agent.pid, instanceId, root, revisionDir, bundleFile, target, startedAt };
}
