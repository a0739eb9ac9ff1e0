/**
 * `npm run bench [-- --quick] [--only cli,fleet,agent,hooks,unpack,journal,store,dashboard,traffic,health] [--sizes 100,1000,10000]
 * [--cap-seconds 120] [--cpu-prof DIR] [--output FILE]`:
 * runs Deckhand's benchmarks, prints one table and writes bench/results/latest.json.
 * Never part of `npm test`.
 */
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startAgentBench, type AgentBench } from './agent/bench.ts';
import { runDashboardBench } from './dashboard/bench.ts';
import { runFleetBench } from './fleet/bench.ts';
import { runHealthBench } from './health/bench.ts';
import { runHookBench } from './hooks.ts';
import { runCliBench } from './cli.ts';
import { runJournalBench } from './journal/bench.ts';
import { runStoreBench } from './store/bench.ts';
import { runUnpackBench } from './unpack/bench.ts';
import { runTrafficBench } from './traffic.ts';
import { runSmallFilesBench } from './unpack/small-files.ts';
import { formatNotes, formatTable, writeResults, type Figures } from './lib/figures.ts';
import { openFileLimit } from './lib/proc.ts';

const SECTIONS = ['cli', 'fleet', 'agent', 'hooks', 'unpack', 'journal', 'store', 'dashboard', 'traffic', 'health'] as const;
type Section = (typeof SECTIONS)[number];

/** The health benchmark's fleet (the 1,000 hosts) and its analysis and alarm poll interval. */
const HEALTH_HOSTS = 1000;
const HEALTH_INTERVAL_S = 5;

interface Options {
  quick: boolean;
  /** Fleet sizes; @default 100,1000,10000 (quick: 100,1000) */
  sizes: number[];
  /** Longest a fleet deployment may run before it is reported as a lower bound. @default 120 */
  capSeconds: number;
  only: Set<Section>;
  cpuProfDir?: string;
  output: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
      sizes: { type: 'string' },
      'cap-seconds': { type: 'string' },
      output: { type: 'string' },
    },
  });
  const only = new Set<Section>();
  for (const name of (values.only ?? SECTIONS.join(',')).split(',')) {
    if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: unknown section "${name}" (known: ${SECTIONS.join(', ')})`);
    only.add(name as Section);
  }
  const quick = values.quick ?? false;
  const sizes = (values.sizes ?? (quick ? '100,1000' : '100,1000,10000')).split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--sizes must be positive integers, got "${values.sizes ?? ''}"`);
  const capSeconds = Number(values['cap-seconds'] ?? '120');
  if (!(capSeconds > 0)) throw new Error(`--cap-seconds must be a positive number, got "${values['cap-seconds'] ?? ''}"`);
  const options: Options = {
    quick,
    sizes,
    capSeconds,
    only,
    output: values.output ?? path.join(import.meta.dirname, 'results', 'latest.json'),
  };
  if (values['cpu-prof'] !== undefined) options.cpuProfDir = path.resolve(values['cpu-prof']);
  return options;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs `fn` and logs how long the section `name` took, so a slow run shows where its time went. */
async function timed(name: string, fn: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await fn();
  log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * The hook timings, first and alone: milliseconds-long spawns compared side by side are thrown
 * off by anything else starting on a 2-core machine (an agent collecting its inventory).
 */
async function runHookSection(opts: Options, figures: Figures): Promise<void> {
  if (!opts.only.has('hooks')) return;
  log('hooks: no-op hook vs bare spawn');
  await timed('hooks', () => runHookBench(opts.quick ? 30 : 100, figures));
}

/** The benchmarks that run while the agent idles; none of them touches the agent. */
async function runLocalSections(opts: Options, figures: Figures): Promise<void> {
  if (opts.only.has('journal')) {
    log('journal: events through the agent journal');
    // Three runs, quick or not: five took about 50 s of a run that has to fit in 10 minutes.
    await timed('journal', () => runJournalBench(opts.quick ? 100 : 300, 3, figures));
  }
  if (opts.only.has('unpack')) {
    const tree = opts.quick ? { files: 2000, totalBytes: 24 * 1024 ** 2 } : { files: 10_000, totalBytes: 160 * 1024 ** 2 };
    await timed('unpack', () => runUnpackBench({ ...tree, randomShare: 0.6, runs: 3, log }, figures));
    await timed('small files', () => runSmallFilesBench({ files: 2000, runs: opts.quick ? 5 : 9, log }, figures));
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const loadavgAtStart = loadavg();
  const figures: Figures = {};
  log(`bench: ${opts.quick ? 'quick' : 'full'} run of ${[...opts.only].join(', ')}; open-file limit ${openFileLimit()} (children raise theirs)`);
  await runHookSection(opts, figures);
  if (opts.only.has('cli')) {
    log('cli: deckhand --help and status, side by side with bare node');
    await timed('cli', () => runCliBench(opts.quick ? 10 : 20, figures));
  }
  let agent: AgentBench | undefined;
  if (opts.only.has('agent')) {
    agent = await startAgentBench({ idleSeconds: opts.quick ? 10 : 60, runs: opts.quick ? 3 : 7, outputBytes: (opts.quick ? 256 : 1024) * 1024 ** 2, log });
  }
  await runLocalSections(opts, figures);
  if (agent !== undefined) await timed('agent (after its idle period)', () => agent.finish(figures));
  if (opts.only.has('traffic')) {
    log('traffic: BlockTraffic + AllowTraffic per host through HAProxy');
    await timed('traffic', () => runTrafficBench({ deployments: opts.quick ? 1 : 3, log }, figures));
  }
  if (opts.only.has('fleet')) {
    await timed('fleet', () => runFleetBench(
      {
        sizes: opts.sizes,
        runs: 3,
        oneAtATimeRuns: opts.quick ? 2 : 3,
        capSeconds: opts.capSeconds,
        // The largest size again over TLS (WSS with the coordinator's own CA), for its cost.
        tlsSizes: opts.sizes.slice(-1),
        // And with 3 coordinators on one PostgreSQL, side by side with the SQLite figures.
        clusterSizes: opts.sizes.slice(-1),
        ...(opts.cpuProfDir === undefined ? {} : { cpuProfDir: opts.cpuProfDir }),
        log,
      },
      figures,
    ));
  }
  if (opts.only.has('health')) {
    log(`health: a canary's check turning Failed at ${HEALTH_HOSTS} simulated hosts`);
    await timed('health', () => runHealthBench({ hosts: HEALTH_HOSTS, runs: opts.quick ? 3 : 5, intervalSeconds: HEALTH_INTERVAL_S, log }, figures));
  }
  if (opts.only.has('store')) {
    log('store: --store-sync normal vs full, start-up check and backup');
    await timed('store', () => runStoreBench({ hosts: opts.quick ? 100 : 300, runs: opts.quick ? 3 : 5, growCopies: opts.quick ? 20 : 100, log }, figures));
  }
  if (opts.only.has('dashboard')) {
    const hosts = opts.sizes[opts.sizes.length - 1] ?? 10_000;
    log(`dashboard: the deployment page of a ${hosts}-host AllAtOnce deployment in chromium`);
    await timed('dashboard', () => runDashboardBench({ hosts, eventDelayMs: 200, runs: opts.quick ? 3 : 5, ...(opts.cpuProfDir === undefined ? {} : { cpuProfDir: path.join(opts.cpuProfDir, 'dashboard') }), log }, figures));
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n${formatTable(figures)}\n\nNotes:\n${formatNotes(figures)}\n\nTotal ${seconds.toFixed(0)} s.\n`);
  const run = { quick: opts.quick, sections: [...opts.only], seconds: Math.round(seconds), loadavgAtStart, loadavgAtEnd: loadavg() };
  writeResults(opts.output, figures, run);
  log(`wrote ${opts.output}`);
}

await main();
