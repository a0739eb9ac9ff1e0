/**
 * When the maintenance schedule is next due, as node-cron computes it, in a short-lived child
 * process (the agent itself, `deckhand-agent next-runs`). node-cron reads every date through
 * Intl.DateTimeFormat, and ICU's data pages and formatter objects then stay resident in the
 * process that used them for as long as it lives: about 6 MB of an idle agent's RSS, and more
 * on a loaded node-cron (measured on the packaged agent, Node.js 24). A child that prints the
 * next times and exits leaves none of it in the agent; it runs about once a day.
 */
import { runAgentCommand, type AgentInvocation } from '../util/agent-child.ts';

/** The hidden command that prints the next times a schedule is due. */
export const NEXT_RUNS_COMMAND = 'next-runs';

/** Longest a child may take; it normally takes a fraction of a second. */
const CHILD_TIMEOUT_MS = 60_000;

/** The next `count` times `schedule` (a cron expression) is due, after now, in order. */
export type NextRuns = (schedule: string, count: number, signal?: AbortSignal) => Promise<Date[]>;

function parseRuns(stdout: string): Date[] {
  const runs = stdout.split('\n').filter(Boolean).map((line) => new Date(line));
  if (runs.some((d) => Number.isNaN(d.getTime()))) throw new Error(`${NEXT_RUNS_COMMAND} printed something else than times: ${stdout.slice(0, 200)}`);
  return runs;
}

/** {@link NextRuns} computed by `agent` in a child process. */
export function nextRunsInChild(agent: AgentInvocation): NextRuns {
  return async (schedule, count, signal) => {
    const what = `computing the schedule "${schedule}"`;
    return parseRuns(await runAgentCommand(agent, [NEXT_RUNS_COMMAND, schedule, String(count)], { what, timeoutMs: CHILD_TIMEOUT_MS, signal }));
  };
}

/**
 * The child's side: prints the next `count` times `schedule` is due, one ISO time a line.
 * node-cron is imported here only, so the agent's own process never loads it.
 */
export async function nextRunsCommand(argv: readonly string[], io: { out(text: string): void; err(text: string): void }): Promise<number> {
  const [schedule, countText] = argv;
  const count = Number(countText);
  if (schedule === undefined || !Number.isInteger(count) || count < 1 || count > 1000) {
    io.err(`usage: deckhand-agent ${NEXT_RUNS_COMMAND} CRON-EXPRESSION COUNT (1-1000)`);
    return 2;
  }
  const { createTask } = await import('node-cron');
  let task;
  try {
    task = createTask(schedule, () => undefined);
  } catch (err) {
    io.err(`bad schedule "${schedule}": ${(err as Error).message}`);
    return 2;
  }
  try {
    io.out(task.getNextRuns(count).map((d) => d.toISOString()).join('\n'));
    return 0;
  } finally {
    await task.destroy();
  }
}
