/**
 * The fault suite: one world, several groups deploying in parallel, each run with its own seeded
 * faults, while the coordinator is killed with SIGKILL at seeded intervals (among several
 * coordinators on PostgreSQL: the one driving a running deployment), until every fault quota is
 * met; then the disk-full, corrupt-journal and state-rollback scenarios. Returns every run's result.
 */
import { mkdirSync } from 'node:fs';
import { Rng } from './rng.ts';
import { runOnce, writeDiagnostics, type RunPlan, type RunResult } from './run.ts';
import { runJournalRollback, runStoreRollback } from './rollbacks.ts';
import { runCorruptJournal, runDiskFull } from './scenarios.ts';
import { runStoreFault, STORE_FAULTS } from './store-scenarios.ts';
import type { Group, Revision } from './world.ts';
import { World } from './world.ts';

/** How much the suite does. */
export interface SuiteOptions {
  seed: number;
  /** Minimum number of each fault family before the deployment runs stop. */
  quotas: { agentKills: number; coordinatorKills: number; connectionFaults: number };
  /** Groups deploying in parallel (each of `hostsPerGroup` hosts). */
  groups: number;
  hostsPerGroup: number;
  /** Gap between coordinator kills, ms. */
  coordinatorGapMs: [number, number];
  diskFullRuns: number;
  corruptJournalRuns: number;
  /**
   * Coordinators sharing one PostgreSQL store (default 1: one on SQLite). With several, each
   * coordinator kill takes the one driving a running deployment, and only those count.
   */
  nodes?: number;
  /** Runs that send state back in time, alternately the coordinator's store and an agent's journal. */
  stateRollbackRuns: number;
  /** Runs of coordinator store faults (store-scenarios.ts), taking each fault in turn. */
  storeRuns: number;
  /** Where diagnostics of violating runs go. */
  outDir: string;
  /** Called after each run (progress output). */
  onRun?: (result: RunResult, totals: Totals) => void;
}

/** Fault families counted against the quotas. */
export interface Totals {
  agentKills: number;
  coordinatorKills: number;
  connectionFaults: number;
  /** Not a quota: the rollback runs made (stateRollbackRuns, and the store runs that cut the WAL short). */
  stateRollbacks: number;
}

/** Everything the suite did. */
export interface SuiteResult {
  runs: RunResult[];
  totals: Totals;
  coordinatorKills: number;
  /** Among several coordinators: kills that hit the one driving a running deployment. */
  driverKills: number;
  nodes: number;
  elapsedMs: number;
}

const CONFIGS = ['CodeDeployDefault.OneAtATime', 'CodeDeployDefault.HalfAtATime', 'CodeDeployDefault.AllAtOnce'];

function familyTotals(runs: readonly RunResult[], coordinatorKills: number): Totals {
  const totals: Totals = { agentKills: 0, coordinatorKills, connectionFaults: 0, stateRollbacks: 0 };
  for (const run of runs) {
    for (const [kind, n] of run.faults) {
      if (kind.startsWith('agent kill')) totals.agentKills += n;
      if (kind.startsWith('connection')) totals.connectionFaults += n;
      if (kind.startsWith('state rollback')) totals.stateRollbacks += n;
    }
  }
  return totals;
}

function quotasMet(t: Totals, q: SuiteOptions['quotas']): boolean {
  return t.agentKills >= q.agentKills && t.coordinatorKills >= q.coordinatorKills && t.connectionFaults >= q.connectionFaults;
}

/** A seeded plan: mostly agent kills and link faults, sometimes both, sometimes none. */
function planFor(rng: Rng, group: Group, t: Totals, q: SuiteOptions['quotas']): RunPlan {
  const windowMs = group.config.endsWith('OneAtATime') ? 7000 : 3500;
  const needKills = t.agentKills < q.agentKills;
  const needLinks = t.connectionFaults < q.connectionFaults;
  const roll = rng.next();
  const agentKills = needKills && roll < 0.8 ? rng.int(1, 4) : 0;
  const connectionFaults = needLinks && (roll > 0.45 || agentKills === 0) ? rng.int(1, 2) : 0;
  return { agentKills, connectionFaults, windowMs };
}

/** The run's result; a run the harness could not finish is counted as a violation, not allowed to end the suite. */
async function guarded(runId: string, rng: Rng, run: () => Promise<RunResult>): Promise<RunResult> {
  try {
    return await run();
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { runId, seed: rng.seed, deploymentId: '-', status: 'harness error', faults: new Map(), errorCodes: [], violations: [{ invariant: 'harness', detail }] };
  }
}

/** Deploys to one group again and again until the quotas are met. */
async function groupLoop(world: World, group: Group, revisions: Revision[], rng: Rng, state: LoopState, opts: SuiteOptions): Promise<void> {
  for (let i = 1; !quotasMet(state.totals(), opts.quotas); i++) {
    const runRng = rng.fork();
    // One revision in six has a failing ValidateService hook, so failed outcomes are checked too.
    const revision = runRng.next() < 1 / 6 ? revisions.at(-1)! : revisions[i % (revisions.length - 1)]!;
    const plan = planFor(runRng, group, state.totals(), opts.quotas);
    const result = await guarded(`${group.name}-${i}`, runRng, () => runOnce(world, group, revision, plan, runRng, `${group.name}-${i}`));
    state.runs.push(result);
    if (result.violations.length > 0) await writeDiagnostics(opts.outDir, world, group, result);
    opts.onRun?.(result, state.totals());
  }
}

interface LoopState {
  runs: RunResult[];
  coordinatorKills: number;
  driverKills: number;
  done: boolean;
  totals(): Totals;
}

/** Kills the coordinator at seeded intervals until the runs are done. */
async function coordinatorLoop(world: World, rng: Rng, state: LoopState, opts: SuiteOptions): Promise<void> {
  while (!state.done) {
    const gap = rng.int(...opts.coordinatorGapMs);
    for (let waited = 0; waited < gap && !state.done; waited += 100) await new Promise((r) => setTimeout(r, 100));
    if (state.done || state.totals().coordinatorKills >= opts.quotas.coordinatorKills) {
      if (state.done) return;
      continue;
    }
    if (world.nodes === 1) {
      await world.restartCoordinator(rng.int(50, 1200));
      state.coordinatorKills += 1;
    } else if (await world.killDriver(rng, rng.int(50, 1200))) {
      state.driverKills += 1;
      state.coordinatorKills += 1;
    }
  }
}

async function setupWorld(world: World, opts: SuiteOptions): Promise<{ groups: Group[]; revisions: Revision[] }> {
  await world.start();
  const revisions: Revision[] = [];
  for (let r = 1; r <= 3; r++) revisions.push(await world.addRevision(`v${r}`));
  revisions.push(await world.addRevision('v-bad', 'ValidateService'));
  const groups: Group[] = [];
  for (let g = 0; g < opts.groups; g++) groups.push(await world.addGroup(`g${g + 1}`, CONFIGS[g % CONFIGS.length]!, opts.hostsPerGroup));
  return { groups, revisions };
}

/** Runs the whole suite in a fresh world and tears it down. */
export async function runSuite(opts: SuiteOptions): Promise<SuiteResult> {
  mkdirSync(opts.outDir, { recursive: true });
  const started = Date.now();
  const world = new World(opts.nodes ?? 1);
  const rng = new Rng(opts.seed);
  const state: LoopState = {
    runs: [],
    coordinatorKills: 0,
    driverKills: 0,
    done: false,
    totals: () => familyTotals(state.runs, state.coordinatorKills),
  };
  try {
    const { groups, revisions } = await setupWorld(world, opts);
    const killer = coordinatorLoop(world, rng.fork(), state, opts);
    await Promise.all(groups.map((g) => groupLoop(world, g, revisions, rng.fork(), state, opts)));
    state.done = true;
    await killer;
    for (let i = 0; i < opts.diskFullRuns; i++) state.runs.push(await runDiskFull(world, revisions, rng.fork(), `disk-full-${i + 1}`));
    for (let i = 0; i < opts.corruptJournalRuns; i++) state.runs.push(await runCorruptJournal(world, revisions[0]!, rng.fork(), `corrupt-journal-${i + 1}`));
    for (let i = 0; i < opts.stateRollbackRuns; i++) {
      const run = i % 2 === 0 ? runStoreRollback : runJournalRollback;
      const runRng = rng.fork();
      state.runs.push(await guarded(`rollback-${i + 1}`, runRng, () => run(world, revisions, runRng, `rollback-${i + 1}`)));
      opts.onRun?.(state.runs.at(-1)!, state.totals());
    }
    for (let i = 0; i < opts.storeRuns; i++) {
      const runRng = rng.fork();
      state.runs.push(await guarded(`store-${i + 1}`, runRng, () => runStoreFault(world, revisions, runRng, `store-${i + 1}`, STORE_FAULTS[i % STORE_FAULTS.length]!)));
      opts.onRun?.(state.runs.at(-1)!, state.totals());
    }
  } finally {
    state.done = true;
    await world.stop();
  }
  return { runs: state.runs, totals: state.totals(), coordinatorKills: state.coordinatorKills, driverKills: state.driverKills, nodes: world.nodes, elapsedMs: Date.now() - started };
}
