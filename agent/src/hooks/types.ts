/**
 * What the lifecycle asks of the hook runner, and what it gets back. The runner knows nothing
 * about deployments: it runs the scripts of one event and reports how that went.
 */
import type { LifecycleErrorCode } from '../../../protocol/src/index.ts';
import type { HookScript } from '../appspec/types.ts';

/** One line a script printed, handed to a live sink as it arrives. */
export interface OutputLine {
  at: Date;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Run every script of one lifecycle event, in order, stopping at the first failure. */
export interface HookEventRequest {
  /** The lifecycle event name; goes into scripts.log and LIFECYCLE_EVENT. */
  event: string;
  /** The unpacked revision the scripts' locations are relative to; also the working directory. */
  archiveDir: string;
  scripts: HookScript[];
  /** The complete environment of the scripts (the runner adds nothing). */
  env: Record<string, string>;
  /** Append-only CodeDeploy-format log, `<deployment>/logs/scripts.log`. */
  logFile: string;
  /** Where the wrapper writes each script's exit status (`<deployment>/status/`). */
  statusDir: string;
  /** Aborting kills the running script's whole process tree; the result is Failed. */
  signal?: AbortSignal;
  /** Receives every output line as it arrives; must not throw or block. */
  onLine?: (line: OutputLine) => void;
}

/** How one lifecycle event's scripts went. */
export interface HookEventResult {
  status: 'Succeeded' | 'Failed';
  /** Success, or the CodeDeploy code of the first failure. */
  errorCode: LifecycleErrorCode;
  /** CodeDeploy-style message naming the script, e.g. `Script at specified location: x failed with exit code 3`. */
  message: string;
  /** The location of the script that failed, when one did. */
  scriptName?: string;
  /** The last 4 KB of the event's output (headers and [stdout]/[stderr] prefixes included). */
  logTail: string;
  /** Non-fatal notes, e.g. OutputsLeftOpen when a daemon kept stdout open. */
  warnings: string[];
}

/** Runs hook scripts; one implementation per platform family. */
export interface HookRunner {
  runEvent(req: HookEventRequest): Promise<HookEventResult>;
}

/** What a platform's command-line builder needs to run one script. */
export interface CommandLineInput {
  /** Absolute path of the script. */
  scriptPath: string;
  /** Where the wrapper writes the script's exit status (platforms that support it). */
  statusFile: string;
  /** Run as this user (Linux only; ignored elsewhere, as CodeDeploy does). */
  runas?: string;
  /** Run through sudo (Linux only). */
  sudo?: boolean;
  /** The user the agent runs as; `runas` equal to it is a no-op. */
  currentUser: string;
}

/** A process to start: program, arguments, and whether it writes the status file. */
export interface CommandLine {
  cmd: string;
  args: string[];
  /** True when the command writes the script's exit status to `statusFile`. */
  writesStatus: boolean;
  /** Windows: pass `args` unquoted (cmd.exe does its own parsing). */
  windowsVerbatimArguments?: boolean;
}

/** Kills a process and everything it started. */
export interface KillTree {
  /**
   * Kills the tree rooted at `pid` (POSIX: its process group). Resolves once the tree is gone
   * or the last resort (SIGKILL / taskkill /F) has been sent; never rejects.
   */
  kill(pid: number): Promise<void>;
}

/** Everything platform-specific the runner needs, chosen once in index.ts. */
export interface HookPlatform {
  commandLine(input: CommandLineInput): CommandLine;
  killTree: KillTree;
  /** Resolves to a reason when `user` cannot be used for runas, undefined when it can. */
  checkRunAs(user: string): Promise<string | undefined>;
}
