/**
 * Runs one of this agent's own hidden commands in a short-lived child process: the same Node.js,
 * the same Node.js options, the same script. Work whose libraries keep memory resident in the
 * process that used them (node-cron's Intl objects, systeminformation's module and caches) runs
 * there, and the long-lived agent keeps only the answer the child prints.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** How to start this agent again: its Node.js, that runtime's options, and the agent's script. */
export interface AgentInvocation {
  node: string;
  args: readonly string[];
}

/** The invocation of the running agent: same runtime, same Node.js options, same script. */
export function currentAgent(): AgentInvocation {
  return { node: process.execPath, args: [...process.execArgv, process.argv[1] ?? ''] };
}

/** Options of {@link runAgentCommand}. */
export interface AgentChildOptions {
  /** What the child does, for the error: `computing the schedule "17 * * * *"`. */
  what: string;
  /** Longest the child may take before it is killed. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** Runs `agent` with `command`; resolves with what it printed, or rejects with its stderr. */
export async function runAgentCommand(agent: AgentInvocation, command: readonly string[], opts: AgentChildOptions): Promise<string> {
  try {
    const { stdout } = await execFileP(agent.node, [...agent.args, ...command], {
      timeout: opts.timeoutMs,
      maxBuffer: 1 << 20,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return stdout;
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`${opts.what} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}
