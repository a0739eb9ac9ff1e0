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
import { runAgentDiskFull } from './agent-disk-full.ts';
import { runCorruptJournal, runDiskFull } from './scenarios.ts';
import { runStoreFault, STORE_FAULTS } from './store-scenarios.ts';
import { manyFiles, World, type Group, type Revision } from './world.ts';

/** How much the suite does. */
export interface SuiteOptions {
  seed: number;
  /**
   * Minimum number of each fault family before the deployment runs stop (agent kills in Install
   * are agent kills too); state rollbacks are made by their own runs (stateRollbackRuns, and the
   * store runs that cut the WAL short), so that quota is only reported against.
   */
  quotas: Quotas;
  /** Groups deploying in parallel (each of `hostsPerGroup` hosts). */
  groups: number;
  hostsPerGroup: number;
  /** Gap between coordinator kills, ms. */
  coordinatorGapMs: [number, number];
  /** Runs whose deployment disk (the install destination) is full. */
  diskFullRuns: number;
  /** Runs whose agent root (journal, downloads) fills up during a download (agent-disk-full.ts). */
  agentDiskFullRuns: number;
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
  /** Agent kills that landed while the journal said Install was in progress. */
  installKills: number;
  coordinatorKills: number;
  connectionFaults: number;
  /** The rollback runs made (stateRollbackRuns, and the store runs that cut the WAL short). */
  stateRollbacks: number;
}

/** How many of each fault family the suite must make. */
export type Quotas = Totals;

/** Everything the suite did. */
export interface SuiteResult {
  runs: RunResult[];
  totals: Totals;
  coordinatorKills: number;
  /** Among several coordinators: kills that hit the one driving a running deployment. */
  driverKills: number;
  nodes: number;
  elapsedMs: number;
  quotas: Quotas;
}

const CONFIGS = ['CodeDeployDefault.OneAtATime', 'CodeDeployDefault.HalfAtATime', 'CodeDeployDefault.AllAtOnce'];

function familyTotals(runs: readonly RunResult[], coordinatorKills: number): Totals {
  const totals: Totals = { agentKills: 0, installKills: 0, coordinatorKills, connectionFaults: 0, stateRollbacks: 0 };
  for (const run of runs) {
    for (const [kind, n] of run.faults) {
      if (kind.startsWith('agent kill')) totals.agentKills += n;
      if (kind.startsWith('agent kill') && kind.endsWith(' in Install')) totals.installKills += n;
      if (kind.startsWith('connection')) totals.connectionFaults += n;
      if (kind.startsWith('state rollback')) totals.stateRollbacks += n;
    }
  }
  return totals;
}

/** The quotas the deployment runs make (state rollbacks have runs of their own). */
function quotasMet(t: Totals, q: Quotas): boolean {
  return t.agentKills >= q.agentKills && t.installKills >= q.installKills && t.coordinatorKills >= q.coordinatorKills && t.connectionFaults >= q.connectionFaults;
}

/**
 * A seeded plan: mostly agent kills and link faults, sometimes both, sometimes none; with a
 * revision whose Install takes a while, a kill or two aimed at Install while they are wanted.
 */
function planFor(rng: Rng, group: Group, slowInstall: boolean, t: Totals, q: Quotas): RunPlan {
  const windowMs = group.config.endsWith('OneAtATime') ? 7000 : 3500;
  const needKills = t.agentKills < q.agentKills;
  const needLinks = t.connectionFaults < q.connectionFaults;
  const roll = rng.next();
  const agentKills = needKills && roll < 0.8 ? rng.int(1, 4) : 0;
  const connectionFaults = needLinks && (roll > 0.45 || agentKills === 0) ? rng.int(1, 2) : 0;
  const installKills = slowInstall && t.installKills < q.installKills ? rng.int(1, 2) : 0;
  return { agentKills, installKills, connectionFaults, windowMs };
}

/** What the deployment runs deploy: plain revisions, one whose ValidateService fails, one of many files. */
interface Revisions {
  plain: Revision[];
  bad: Revision;
  many: Revision;
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
async function groupLoop(world: World, group: Group, revisions: Revisions, rng: Rng, state: LoopState, opts: SuiteOptions): Promise<void> {
  for (let i = 1; !quotasMet(state.totals(), opts.quotas); i++) {
    const runRng = rng.fork();
    // One revision in six has a failing ValidateService hook, so failed outcomes are checked too;
    // one in four installs thousands of files, so kills can land inside Install.
    const roll = runRng.next();
    const revision = roll < 1 / 6 ? revisions.bad : roll < 1 / 6 + 1 / 4 ? revisions.many : revisions.plain[i % revisions.plain.length]!;
    const plan = planFor(runRng, group, revision === revisions.many, state.totals(), opts.quotas);
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

async function setupWorld(world: World, opts: SuiteOptions): Promise<{ groups: Group[]; revisions: Revisions }> {
  await world.start();
  const plain: Revision[] = [];
  for (let r = 1; r <= 3; r++) plain.push(await world.addRevision(`v${r}`));
  const revisions = { plain, bad: await world.addRevision('v-bad', 'ValidateService'), many: await world.addRevision('v-many', undefined, manyFiles('v-many')) };
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
    // Each scenario on a host of its own; one the harness cannot finish is a violation, not the suite's end.
    const scenario = async (runId: string, run: (runRng: Rng) => Promise<RunResult>): Promise<void> => {
      const runRng = rng.fork();
      state.runs.push(await guarded(runId, runRng, () => run(runRng)));
      opts.onRun?.(state.runs.at(-1)!, state.totals());
    };
    const plain = revisions.plain;
    for (let i = 1; i <= opts.diskFullRuns; i++) await scenario(`disk-full-${i}`, (r) => runDiskFull(world, plain, r, `disk-full-${i}`));
    for (let i = 1; i <= opts.agentDiskFullRuns; i++) await scenario(`agent-disk-full-${i}`, (r) => runAgentDiskFull(world, plain, r, `agent-disk-full-${i}`));
    for (let i = 1; i <= opts.corruptJournalRuns; i++) await scenario(`corrupt-journal-${i}`, (r) => runCorruptJournal(world, plain[0]!, r, `corrupt-journal-${i}`));
    for (let i = 1; i <= opts.stateRollbackRuns; i++) {
      const run = i % 2 === 1 ? runStoreRollback : runJournalRollback;
      await scenario(`rollback-${i}`, (r) => run(world, plain, r, `rollback-${i}`));
    }
    for (let i = 1; i <= opts.storeRuns; i++) await scenario(`store-${i}`, (r) => runStoreFault(world, plain, r, `store-${i}`, STORE_FAULTS[(i - 1) % STORE_FAULTS.length]!));
  } finally {
    state.done = true;
    await world.stop();
  }
  return { runs: state.runs, totals: state.totals(), coordinatorKills: state.coordinatorKills, driverKills: state.driverKills, nodes: world.nodes, elapsedMs: Date.now() - started, quotas: opts.quotas };
}
