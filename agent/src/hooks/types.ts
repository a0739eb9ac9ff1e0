/**
 * What the lifecycle asks of the hook runner, and what it gets back. The runner knows nothing
 * about deployments: it runs the scripts of one event and reports how that went.
 */
import type { LifecycleErrorCode } from '../../../protocol/src/errors.ts';
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
  /**
   * Receives every output line as it arrives; must not throw or block. Each line is then decoded
   * into a string: what only needs to know that output was written takes {@link onOutput}.
   */
  onLine?: (line: OutputLine) => void;
  /** Told each time output lines have been written to `logFile`; must not throw or block. */
  onOutput?: () => void;
  /**
   * Aborting stops waiting and leaves the running script alive (the agent is stopping and a new
   * agent will adopt it); the result then has `detached`.
   */
  detach?: AbortSignal;
  /** Told, synchronously, when each script has started: journal it before anything else happens. */
  onScriptStarted?: (started: StartedScript) => void;
  /** Start at a given script instead of the first (after an agent restart or a reboot). */
  resume?: ResumePoint;
}

/** A script that has just started. */
export interface StartedScript {
  /** Its index in the event's scripts. */
  index: number;
  pid: number;
  /** The kernel's start time of `pid` (undefined where there is no /proc), to tell it from a reused pid. */
  startTime?: string;
  /** When it will be killed as timed out. */
  deadlineAt: Date;
}

/** Where a resumed event starts. */
export interface ResumePoint {
  /** The first script to run or adopt. */
  index: number;
  /** The script at `index` was started by an earlier agent: wait for it instead of starting it. */
  adopt?: { pid?: number; startTime?: string; deadlineAt: Date };
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
  /** The agent detached (see {@link HookEventRequest.detach}): the outcome is not known yet. */
  detached?: true;
  /** The script at this index exited with the platform's reboot code (194, Windows 3010). */
  rebootRequested?: { index: number };
}

/** Runs hook scripts; one implementation per platform family. */
export interface HookRunner {
  runEvent(req: HookEventRequest): Promise<HookEventResult>;
}

/** What a platform's command-line builder needs to run one script. */
export interface CommandLineInput {
  /** Absolute path of the script. */
  scriptPath: string;
  /** Where the wrapper writes the script's exit status. */
  statusFile: string;
  /** POSIX: the user switch to exec the script through (setpriv/sudo argv), [] for none. */
  prefix: string[];
}

/** How a script is started as its runas user: argv before the script and variables to set. */
export interface ScriptIdentity {
  prefix: string[];
  /** E.g. HOME, USER, LOGNAME and SHELL of the runas user; they override the request's env. */
  env: Record<string, string>;
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
  /**
   * How to run a script with the appspec's `runas` and `sudo`, or a reason it cannot be done
   * (unknown user, agent not root without sudo, ...). Windows ignores both, as CodeDeploy does.
   */
  identity(runas: string | undefined, sudo: boolean): Promise<ScriptIdentity | string>;
  /** The exit code by which a script asks for a reboot (as AWS Systems Manager: 194, Windows 3010). */
  rebootExitCode: number;
}
