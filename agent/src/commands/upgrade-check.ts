/**
 * `deckhand-agent upgrade-check --root DIR [--wait SECONDS]`: tells an installer whether this
 * host is registered and whether a deployment is running, reading the journal (the agent may be
 * running alongside). With --wait it polls until the host is idle, so an upgrade starts only
 * between deployments and then continues. Prints one JSON line; exits 0 when idle (or not
 * registered), 75 (EX_TEMPFAIL) when still busy, 2 on bad usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sleep, type Clock } from '../../../common/src/clock.ts';
import { Journal } from '../journal/journal.ts';

/** Exit code when a deployment is still running after the wait. */
export const EXIT_BUSY = 75;

/** What upgrade-check reports. */
export interface UpgradeState {
  registered: boolean;
  instanceId?: string;
  coordinatorUrl?: string;
  busy: boolean;
  /** Ids of deployments this host is running now. */
  runningDeployments: string[];
}

/** The host's state as its journal under `root` records it; never creates the journal. */
export function readUpgradeState(root: string): UpgradeState {
  const file = path.join(root, 'agent.db');
  if (!fs.existsSync(file)) return { registered: false, busy: false, runningDeployments: [] };
  const journal = Journal.open(file);
  try {
    const identity = journal.getIdentity();
    const running = new Set(journal.runningDeployments().map((d) => d.deploymentId));
    for (const command of journal.commandsInState('running')) running.add(command.deploymentId);
    const state: UpgradeState = { registered: identity !== undefined, busy: running.size > 0, runningDeployments: [...running] };
    if (identity) {
      state.instanceId = identity.instanceId;
      state.coordinatorUrl = identity.coordinatorUrl;
    }
    return state;
  } finally {
    journal.close();
  }
}

/** Polls {@link readUpgradeState} every `pollMs` until idle or `waitMs` has passed. */
export async function waitUntilIdle(root: string, waitMs: number, clock: Clock, pollMs = 1000): Promise<UpgradeState> {
  const deadline = clock.now().getTime() + waitMs;
  for (;;) {
    const state = readUpgradeState(root);
    if (!state.busy || clock.now().getTime() >= deadline) return state;
    await sleep(clock, Math.min(pollMs, deadline - clock.now().getTime()));
  }
}

/** Parsed arguments of upgrade-check. */
export interface UpgradeCheckArgs {
  root: string;
  waitMs: number;
}

/** Parses the arguments after `upgrade-check`; throws an Error naming what is wrong. */
export function parseUpgradeCheckArgs(argv: readonly string[]): UpgradeCheckArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: { root: { type: 'string' }, wait: { type: 'string' } },
    strict: true,
  });
  if (!values.root) throw new Error('--root is required');
  const wait = values.wait ?? '0';
  if (!/^\d{1,7}$/.test(wait)) throw new Error(`--wait must be a whole number of seconds, got "${wait}"`);
  return { root: path.resolve(values.root), waitMs: Number(wait) * 1000 };
}

/** Runs upgrade-check; resolves with the exit code. */
export async function upgradeCheckCommand(argv: readonly string[], clock: Clock): Promise<number> {
  let args: UpgradeCheckArgs;
  try {
    args = parseUpgradeCheckArgs(argv);
  } catch (err) {
    process.stderr.write(`deckhand-agent upgrade-check: ${(err as Error).message}\n`);
    return 2;
  }
  const state = await waitUntilIdle(args.root, args.waitMs, clock);
  process.stdout.write(`${JSON.stringify(state)}\n`);
  return state.busy ? EXIT_BUSY : 0;
}
