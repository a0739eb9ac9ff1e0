/**
 * One fault run: a deployment on one group while seeded faults hit its hosts (agent kill -9 at a
 * random moment, then a restart as a service manager would; a connection fault on the host's
 * proxy), then the wait for a terminal state and a fully delivered outbox, then the invariants.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../e2e/cluster.ts';
import { journalPhase, readJournal } from './evidence.ts';
import { checkRun, type CheckedHost, type Violation } from './invariants.ts';
import type { Rng } from './rng.ts';
import { installedTree } from './tree.ts';
import type { Group, Host, Revision, World } from './world.ts';

/** What one run did and found. */
export interface RunResult {
  runId: string;
  seed: number;
  deploymentId: string;
  status: string;
  /** Fault kind → how many were injected. */
  faults: Map<string, number>;
  /** Error codes of the lifecycle events that failed, one entry per failed event. */
  errorCodes: string[];
  violations: Violation[];
}

/** How a run is shaped. */
export interface RunPlan {
  agentKills: number;
  /** Agent kills aimed at the Install event (worth planning with a revision whose Install takes a while). */
  installKills: number;
  connectionFaults: number;
  /** Faults land within this many ms after the deployment is created. */
  windowMs: number;
}

/** A run without injected faults (the scenarios bring their own). */
export const CALM: RunPlan = { agentKills: 0, installKills: 0, connectionFaults: 0, windowMs: 0 };

const TERMINAL = ['Succeeded', 'Failed', 'Stopped'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function count(faults: Map<string, number>, kind: string): void {
  faults.set(kind, (faults.get(kind) ?? 0) + 1);
}

/** Where a kill is aimed: at a moment of the host's work, inside its Install, or anywhere. */
type Aim = 'work' | 'Install' | 'anywhere';

/** Waits until `ready` holds, polling every `everyMs`; false when the run ended or `ms` passed first. */
async function waitUntil(ready: () => boolean, ended: { value: boolean }, ms: number, everyMs: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until && !ended.value) {
    if (ready()) return true;
    await sleep(everyMs);
  }
  return false;
}

/**
 * kill -9 the host's agent, note where it was, restart it after a short outage. A kill aimed at
 * work waits for the host to be working on a deployment and then a seeded moment more, so that
 * it lands in downloads, installs and hooks rather than in idle time; one aimed at Install waits
 * for the journal to say Install is in progress (a many-files revision takes a while there) and
 * kills within a few milliseconds. A kill that never sees its moment is not made.
 */
async function killAgent(host: Host, aim: Aim, rng: Rng, faults: Map<string, number>, ended: { value: boolean }, crashed: Set<string>): Promise<void> {
  const busy = (): boolean => !host.agent.running || journalPhase(host.agent.root) !== 'idle';
  if (aim === 'work') {
    await waitUntil(busy, ended, 8000, 50);
    // The host's part ended without it being caught at work: this kill is not worth making.
    if (ended.value) return;
    await sleep(rng.int(0, 1200));
  } else if (aim === 'Install') {
    if (!(await waitUntil(() => host.agent.running && journalPhase(host.agent.root) === 'in Install', ended, 60_000, 5))) return;
    await sleep(rng.int(0, 40));
  }
  // A service manager never runs two agents on one root: a kill whose restart is still pending
  // must not be overlapped by another one (both would start an agent).
  if (!host.agent.running || restarting.has(host)) return;
  restarting.add(host);
  try {
    await crashOrKill(host, rng, faults, crashed);
  } finally {
    restarting.delete(host);
  }
}

/** Hosts between a kill and the restart that follows it. */
const restarting = new Set<Host>();

async function crashOrKill(host: Host, rng: Rng, faults: Map<string, number>, crashed: Set<string>): Promise<void> {
  // One kill in six is a host crash: the hooks die with the agent, so outcomes can be unknowable.
  const crash = rng.next() < 1 / 6;
  if (crash) {
    await host.agent.crash();
    crashed.add(host.name);
  } else {
    await host.agent.kill9();
  }
  count(faults, `agent kill${crash ? ' (host crash)' : ''} ${journalPhase(host.agent.root)}`);
  await sleep(rng.int(50, 1500));
  host.agent.start();
}

/** The link faults, each counted apart: how the proxy breaks the host's connections. */
const LINK_FAULTS = {
  'drop (closed, FIN)': (host: Host, _rng: Rng, forMs: number) => host.proxy.drop(forMs),
  'reset (RST)': (host: Host, _rng: Rng, forMs: number) => host.proxy.reset(forMs),
  delay: (host: Host, rng: Rng, forMs: number) => host.proxy.delay(rng.int(20, 400), forMs),
  'half-open (reset when healed)': (host: Host, _rng: Rng, forMs: number) => host.proxy.halfOpen(forMs),
  'blackhole (never closed by the proxy)': (host: Host, _rng: Rng, forMs: number) => host.proxy.blackhole(forMs),
} as const;

/** Breaks the host's link in a seeded way for a while; resolves when it is healed. */
async function cutConnection(host: Host, rng: Rng, faults: Map<string, number>): Promise<void> {
  const kind = rng.pick(Object.keys(LINK_FAULTS) as (keyof typeof LINK_FAULTS)[]);
  const forMs = rng.int(300, 4000);
  LINK_FAULTS[kind](host, rng, forMs);
  count(faults, `connection ${kind}`);
  await sleep(forMs);
}

/** Runs the planned faults at seeded moments of the deployment window; none starts after it ended. */
async function injectFaults(group: Group, plan: RunPlan, rng: Rng, faults: Map<string, number>, ended: { value: boolean }, crashed: Set<string>): Promise<void> {
  const actions: Promise<void>[] = [];
  for (let i = 0; i < plan.agentKills; i++) {
    const host = rng.pick(group.hosts);
    const at = rng.int(0, plan.windowMs);
    const aim: Aim = rng.next() < 0.8 ? 'work' : 'anywhere';
    const runRng = rng.fork();
    actions.push(sleep(at).then(() => (ended.value ? undefined : killAgent(host, aim, runRng, faults, ended, crashed))));
  }
  for (let i = 0; i < plan.installKills; i++) {
    const host = rng.pick(group.hosts);
    const runRng = rng.fork();
    actions.push(killAgent(host, 'Install', runRng, faults, ended, crashed));
  }
  for (let i = 0; i < plan.connectionFaults; i++) {
    const host = rng.pick(group.hosts);
    const at = rng.int(0, plan.windowMs);
    const runRng = rng.fork();
    actions.push(sleep(at).then(() => (ended.value ? undefined : cutConnection(host, runRng, faults))));
  }
  await Promise.all(actions);
}

/** The deployment's status once terminal, or as it stands after `ms`. */
export async function waitTerminal(world: World, deploymentId: string, ms: number): Promise<string> {
  try {
    return await waitFor(`deployment ${deploymentId} to end`, async () => {
      const { body } = await world.api('GET', `/v1/deployments/${deploymentId}`);
      return TERMINAL.includes(body.status) ? (body.status as string) : undefined;
    }, ms);
  } catch {
    const { body } = await world.api('GET', `/v1/deployments/${deploymentId}`);
    return String(body.status);
  }
}

/** Waits until every host's outbox is acked up to its last seq; violations for those that are not. */
async function waitDelivered(world: World, group: Group, ms: number): Promise<Violation[]> {
  // 'delivered': the coordinator lacks events; 'acks-journaled': it has them all, but the agent
  // still holds rows it did not mark acknowledged.
  const undelivered = async (h: Host): Promise<Violation | undefined> => {
    const journal = readJournal(h.agent.root, '');
    const applied = await world.appliedSeq(h.agent.instanceId);
    if (journal.outboxRows === 0 && applied === journal.lastSeq) return undefined;
    const invariant = applied === journal.lastSeq ? 'acks-journaled' : 'delivered';
    return { invariant, host: h.name, detail: `outbox rows ${journal.outboxRows}, journal seq ${journal.lastSeq}, coordinator applied ${applied}` };
  };
  const out: Violation[] = [];
  for (const host of group.hosts) {
    if (!host.agent.running) {
      out.push({ invariant: 'agent-alive', host: host.name, detail: `the agent exited by itself:\n${host.agent.proc?.tail().slice(-2000)}` });
      host.agent.start();
    }
  }
  try {
    await waitFor('outboxes to drain', async () => ((await Promise.all(group.hosts.map(undelivered))).every((why) => why === undefined) ? true : undefined), ms);
  } catch {
    for (const h of group.hosts) {
      const why = await undelivered(h);
      if (why) out.push(why);
    }
  }
  return out;
}

/** Runs one deployment of `revision` on `group` under `plan`; returns what happened. */
export async function runOnce(world: World, group: Group, revision: Revision, plan: RunPlan, rng: Rng, runId: string): Promise<RunResult> {
  const seed = rng.seed;
  const faults = new Map<string, number>();
  const before = new Map(group.hosts.map((h) => [h.agent.instanceId, installedTree(h.agent.destRoot)]));
  const deploymentId = await world.deploy(group, revision);
  const ended = { value: false };
  const crashed = new Set<string>();
  const injecting = injectFaults(group, plan, rng, faults, ended, crashed);
  let status = await waitTerminal(world, deploymentId, 150_000);
  ended.value = true;
  await injecting;
  const violations: Violation[] = [];
  if (!TERMINAL.includes(status)) {
    // Recorded now; stopping the deployment frees the group for the runs that follow.
    violations.push({ invariant: 'terminal', detail: `deployment still ${status} after 150 s; stopped by the harness` });
    await world.exclusive(() => world.api('POST', `/v1/deployments/${deploymentId}/stop`, {}));
    status = `${await waitTerminal(world, deploymentId, 60_000)} (stopped)`;
  }
  violations.push(...(await waitDelivered(world, group, 30_000)));
  const deployment = await world.readDeployment(deploymentId);
  if (!deployment) throw new Error(`deployment ${deploymentId} is not in the coordinator's store`);
  const hosts: CheckedHost[] = group.hosts.map((h) => ({
    name: h.name,
    instanceId: h.agent.instanceId,
    root: h.agent.root,
    destRoot: h.agent.destRoot,
    before: before.get(h.agent.instanceId)!,
    crashed: crashed.has(h.name),
  }));
  violations.push(...checkRun(deploymentId, revision.tree, deployment, hosts));
  const errorCodes = deployment.targets.flatMap((t) => [...t.events.values()].flatMap((e) => (e.errorCode === null ? [] : [e.errorCode])));
  return { runId, seed, deploymentId, status, faults, errorCodes, violations };
}

/** Writes what a violating run left behind (store rows, journals, hook lines, process output). */
export async function writeDiagnostics(dir: string, world: World, group: Group, result: RunResult): Promise<string> {
  const file = path.join(dir, `${result.runId}.txt`);
  const parts = [`run ${result.runId} seed ${result.seed} deployment ${result.deploymentId} status ${result.status}`];
  parts.push(`faults: ${JSON.stringify([...result.faults])}`, `violations: ${JSON.stringify(result.violations, null, 2)}`);
  const coord = result.deploymentId === '-' ? undefined : await world.readDeployment(result.deploymentId);
  parts.push(`coordinator: ${JSON.stringify(coord, (_k, v: unknown) => (v instanceof Map ? [...v.values()] : v), 2)}`);
  for (const h of group.hosts) {
    const j = readJournal(h.agent.root, result.deploymentId);
    parts.push(`--- ${h.name} journal ${JSON.stringify({ ...j, events: [...j.events.values()] }, null, 2)}`);
    const log = path.join(h.agent.root, 'logs', 'agent.log');
    const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-300).join('\n') : '(no agent.log)';
    parts.push(`--- ${h.name} agent.log (last 300 lines)\n${lines}`);
  }
  parts.push(world.coordinatorOutput());
  writeFileSync(file, parts.join('\n'));
  return file;
}
