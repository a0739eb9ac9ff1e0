/**
 * `deckhand demo`: a coordinator and N agents on loopback, a sample revision pushed and
 * deployed with HalfAtATime, watched live, summarised, then everything stopped and removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeploymentView } from '../../../protocol/src/api.ts';
import { newSecret } from '../../../common/src/ids.ts';
import { DeckhandClient } from '../client.ts';
import { writeLine, type CliContext } from '../context.ts';
import { tagFilters } from '../commands/groups.ts';
import { pushRevision } from '../push-revision.ts';
import { interruptOnSignals } from '../signals.ts';
import { followDeployment } from '../watch/follow.ts';
import { ChildGroup } from './children.ts';
import { DEMO_BUNDLE_DIR, startAgents, startCoordinator, waitForConnected, type DemoAgent, type DemoCoordinator } from './cluster.ts';
import { demoEnv, formatDemoSummary } from './summary.ts';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Leave everything running after the summary, until Ctrl-C. @default false */
  keep: boolean;
  /** @default 3 */
  agents: number;
}

const APPLICATION = 'demo-app';
const GROUP = 'demo-group';
const CONFIG = 'CodeDeployDefault.HalfAtATime';

/** What the scenario built, for the summary and for --keep. */
interface DemoRun {
  coordinator: DemoCoordinator;
  agents: DemoAgent[];
  deploymentGroupId: string;
  view: DeploymentView;
}

/** Runs the demo; resolves to the exit code (0 when the deployment Succeeded). */
export async function runDemo(opts: DemoOptions, ctx: CliContext): Promise<number> {
  const started = performance.now();
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'deckhand-demo-'));
  const adminToken = newSecret('dh');
  const children = new ChildGroup();
  const stop = interruptOnSignals();
  const onExit = (): void => children.killAllSync();
  process.on('exit', onExit);
  const step = (text: string): void =>
    writeLine(ctx.stderr, `[${((performance.now() - started) / 1000).toFixed(1)}s] ${text}`);
  // Files stay for inspection when something went wrong, unless the user interrupted.
  let removeFiles = false;
  try {
    const scenario = runScenario({ children, tmpDir, adminToken, opts, ctx: { ...ctx, signal: stop.signal }, step });
    const run = await untilAborted(scenario, stop.signal);
    const succeeded = run.view.status === 'Succeeded';
    removeFiles = succeeded || opts.keep;
    const totalMs = performance.now() - started;
    writeLine(ctx.stdout, formatDemoSummary({ ...run, totalMs, adminToken, tmpDir, keep: opts.keep, filesKept: !removeFiles }));
    if (opts.keep) await keepRunning(run.coordinator, adminToken, tmpDir, stop.signal, ctx);
    return succeeded ? 0 : 1;
  } catch (err) {
    removeFiles = stop.signal.aborted;
    throw err;
  } finally {
    step('stopping the coordinator and agents');
    await children.stopAll();
    if (removeFiles) rmSync(tmpDir, { recursive: true, force: true });
    else step(`kept ${tmpDir} (data and logs) for inspection; remove it when done`);
    stop.dispose();
    process.off('exit', onExit);
  }
}

/** Resolves with `work`, or rejects with the signal's reason as soon as it is aborted. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  // A step still running when we abort fails once its children are gone; that is expected.
  work.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    work.then(resolve, reject);
  });
}

async function keepRunning(coordinator: DemoCoordinator, adminToken: string, tmpDir: string, signal: AbortSignal, ctx: CliContext): Promise<void> {
  writeLine(ctx.stdout, '');
  writeLine(ctx.stdout, `Everything keeps running under ${tmpDir}. Use the coordinator with (the CLI checks its CA by fingerprint):`);
  writeLine(ctx.stdout, `  export ${demoEnv(coordinator, adminToken)}`);
  writeLine(ctx.stdout, 'Press Ctrl-C to stop it and remove the folder.');
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

interface ScenarioInput {
  children: ChildGroup;
  tmpDir: string;
  adminToken: string;
  opts: DemoOptions;
  ctx: CliContext;
  step: (text: string) => void;
}

async function runScenario(input: ScenarioInput): Promise<DemoRun> {
  const { children, tmpDir, adminToken, opts, step } = input;
  step(`starting a coordinator (data under ${tmpDir})`);
  const coordinator = await startCoordinator(children, tmpDir, adminToken);
  step(`coordinator listening on ${coordinator.url} (TLS, CA fingerprint ${coordinator.caSha256.slice(0, 16)}...)`);
  const client = new DeckhandClient({ url: coordinator.url, token: adminToken, trust: { caSha256: coordinator.caSha256 } });
  const regToken = await client.createRegistrationToken({ maxUses: null, ttlSeconds: 3600, tags: {}, allowTagKeys: ['env', 'slot'] });
  step(`registering and starting ${opts.agents} agents (tags env=demo, slot=1..${opts.agents})`);
  const agents = await startAgents(children, tmpDir, coordinator, regToken.token ?? '', opts.agents);
  await waitForConnected(client, opts.agents, 30_000);
  step(`${opts.agents} agents connected`);
  await client.ensureApplication(APPLICATION);
  const group = await client.createDeploymentGroup(APPLICATION, {
    name: GROUP,
    tagFilters: tagFilters({ env: 'demo' }),
    deploymentConfigName: CONFIG,
  });
  const revision = await pushRevision(client, { kind: 'dir', dir: DEMO_BUNDLE_DIR }, { application: APPLICATION, description: 'Deckhand demo' });
  step(`pushed ${path.relative(process.cwd(), DEMO_BUNDLE_DIR) || DEMO_BUNDLE_DIR} as revision ${revision.revisionId}`);
  const created = await client.createDeployment({
    applicationName: APPLICATION,
    deploymentGroupName: GROUP,
    revisionId: revision.revisionId,
    deploymentConfigName: CONFIG,
  });
  step(`deploying ${revision.revisionId} to ${GROUP} with ${CONFIG} as ${created.deploymentId}`);
  const view = await followDeployment(client, created.deploymentId, input.ctx);
  return { coordinator, agents, deploymentGroupId: group.deploymentGroupId, view };
}
