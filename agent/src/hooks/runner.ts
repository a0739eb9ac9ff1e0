/**
 * The hook runner: runs one lifecycle event's scripts in order, the way the CodeDeploy agent
 * does (same checks, same messages, same scripts.log), stopping at the first failure.
 */
import { accessSync, chmodSync, constants, existsSync, mkdirSync, rmSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { LifecycleErrorCode } from '../../../protocol/src/errors.ts';
import type { HookScript } from '../appspec/types.ts';
import { PositionRecorder, readPositions, readStatusFile, waitForAdopted } from './adopt.ts';
import { hookMessages as msg } from './messages.ts';
import { EventOutput } from './output.ts';
import { processStartTime } from './process-identity.ts';
import { adoptScript, runScript } from './run-script.ts';
import { locateScript } from './script-path.ts';
import type { OutputFiles, RunScriptDeps, ScriptOutcome } from './run-script.ts';
import type { CommandLine, HookEventRequest, HookEventResult, HookPlatform, HookRunner, ResumePoint } from './types.ts';

/** Dependencies of {@link ProcessHookRunner}. */
export interface ProcessHookRunnerDeps extends Omit<RunScriptDeps, 'killTree'> {
  platform: HookPlatform;
}

/** Why a script failed (or stopped), before it is turned into a result. */
interface Failure {
  errorCode: LifecycleErrorCode;
  message: string;
  /** The agent detached: no outcome yet. */
  detached?: true;
  /** The script asked for a reboot. */
  reboot?: true;
}

/** A script's files in the deployment directory: output, exit status, copy progress. */
interface ScriptFiles {
  statusFile: string;
  positionFile: string;
  stdout: string;
  stderr: string;
}

/** `<logs>/<event>-<i>.out|.err` and `<status>/<event>-<i>.status|.pos`. */
function scriptFiles(req: HookEventRequest, index: number): ScriptFiles {
  const logs = path.dirname(req.logFile);
  const name = `${req.event}-${index}`;
  return {
    statusFile: path.join(req.statusDir, `${name}.status`),
    positionFile: path.join(req.statusDir, `${name}.pos`),
    stdout: path.join(logs, `${name}.out`),
    stderr: path.join(logs, `${name}.err`),
  };
}

/** Everything one script's run needs from the event. */
interface ScriptContext {
  req: HookEventRequest;
  script: HookScript;
  index: number;
  output: EventOutput;
  warnings: string[];
  /** Monotonic ms by which the whole event must be over: its start plus the sum of its timeouts. */
  eventDeadlineMs: number;
  eventTimeoutSeconds: number;
  files: ScriptFiles;
}

/** A script ready to start. */
interface Prepared {
  command: CommandLine;
  env: Record<string, string>;
}

/**
 * The longest an event may take: the sum of its scripts' timeouts, as CodeDeploy computes it
 * (`total_timeout_for_all_scripts`). No other cap: a script's timeout is honoured however long.
 */
export function eventTimeoutSeconds(scripts: readonly HookScript[]): number {
  return scripts.reduce((sum, s) => sum + s.timeoutSeconds, 0);
}

/** Runs hook scripts as real processes. Construct it through `createHookRunner`. */
export class ProcessHookRunner implements HookRunner {
  constructor(private readonly deps: ProcessHookRunnerDeps) {}

  /** Runs every script of `req.event` in order; stops at the first failure. Never rejects. */
  async runEvent(req: HookEventRequest): Promise<HookEventResult> {
    if (req.scripts.length === 0) return { status: 'Succeeded', errorCode: 'Success', message: '', logTail: '', warnings: [] };
    try {
      return await this.runScripts(req);
    } catch (err) {
      // Only the agent's own I/O (creating the log or status directory) gets here; scripts'
      // failures are results. It is still this event's failure, reported like CodeDeploy's code 5.
      const detail = err instanceof Error ? err.message : String(err);
      const message = `Lifecycle event ${req.event} could not run its scripts: ${detail}`;
      return { status: 'Failed', errorCode: 'UnknownError', message, logTail: '', warnings: [] };
    }
  }

  private async runScripts(req: HookEventRequest): Promise<HookEventResult> {
    const warnings: string[] = [];
    // The per-script file work here and in runOne/prepare is a handful of metadata syscalls, done
    // synchronously: as promises each was a thread-pool round trip, which on a busy host costs
    // more than the syscall itself, and a no-op hook paid for several in a row.
    mkdirSync(path.dirname(req.logFile), { recursive: true });
    mkdirSync(req.statusDir, { recursive: true });
    const output = new EventOutput({
      logFile: req.logFile,
      clock: this.deps.clock,
      ...(req.onLine ? { onLine: req.onLine } : {}),
      ...(req.onOutput ? { onOutput: req.onOutput } : {}),
    });
    let failed: { failure: Failure; script: HookScript; index: number } | undefined;
    const first = req.resume?.index ?? 0;
    // A resumed event's budget is what its remaining scripts' timeouts add up to.
    const eventTimeout = eventTimeoutSeconds(req.scripts.slice(first));
    const eventDeadlineMs = this.deps.clock.monotonicMs() + eventTimeout * 1000;
    try {
      output.header(`LifecycleEvent - ${req.event}`);
      for (const [index, script] of req.scripts.entries()) {
        if (index < first) continue;
        const files = scriptFiles(req, index);
        const ctx = { req, script, index, output, warnings, eventDeadlineMs, eventTimeoutSeconds: eventTimeout, files };
        const adopt = index === first ? req.resume?.adopt : undefined;
        const failure = adopt === undefined ? await this.runOne(ctx) : await this.adoptOne(ctx, adopt);
        if (failure) {
          failed = { failure, script, index };
          break;
        }
      }
    } finally {
      await output.close();
    }
    warnings.push(...output.problems());
    return resultOf(failed, output.tail(), warnings);
  }

  private async runOne(ctx: ScriptContext): Promise<Failure | undefined> {
    const { req, script, files } = ctx;
    if (req.signal?.aborted) return { errorCode: 'UnknownError', message: msg.abortedBefore(script.location) };
    const prepared = await this.prepare(ctx);
    if ('errorCode' in prepared) return prepared;
    ctx.output.header(`Script - ${script.location}`);
    rmSync(files.statusFile, { force: true });
    rmSync(files.positionFile, { force: true });
    const ownDeadlineMs = this.deps.clock.monotonicMs() + script.timeoutSeconds * 1000;
    const deadlineMs = Math.min(ownDeadlineMs, ctx.eventDeadlineMs);
    const deadlineAt = new Date(this.deps.clock.now().getTime() + (deadlineMs - this.deps.clock.monotonicMs()));
    const positions = new PositionRecorder(files.positionFile, this.deps.clock, { stdout: 0, stderr: 0 });
    const outcome = await runScript(this.scriptDeps(), {
      command: prepared.command,
      cwd: req.archiveDir,
      env: prepared.env,
      deadlineMs,
      signal: req.signal,
      detach: req.detach,
      output: ctx.output,
      files: outputFiles(files, positions),
      onStarted: (pid) => {
        const startTime = processStartTime(pid);
        req.onScriptStarted?.({ index: ctx.index, pid, deadlineAt, ...(startTime === undefined ? {} : { startTime }) });
      },
    });
    positions.flush();
    // Time spent outside scripts (user lookup) comes out of the event's total; the message names
    // the event's total once that cut a whole second (the unit of timeouts) off the script's own.
    const eventBound = ctx.eventDeadlineMs <= ownDeadlineMs - 1000 ? ctx.eventTimeoutSeconds : undefined;
    return this.judge(ctx, outcome, eventBound);
  }

  /** Collects a script an earlier agent started: waits for it if alive, then reads its status file. */
  private async adoptOne(ctx: ScriptContext, adopt: NonNullable<ResumePoint['adopt']>): Promise<Failure | undefined> {
    const { files, script } = ctx;
    const { clock } = this.deps;
    if (adopt.pid === undefined && readStatusFile(files.statusFile) === undefined && !existsSync(files.stdout)) {
      // The earlier agent died before spawning it (its output file is opened just before the
      // spawn, its pid journaled just after): it never ran, so this is its first run.
      return this.runOne(ctx);
    }
    ctx.output.header(`Script - ${script.location} (started before an agent restart; collecting its outcome)`);
    const start = readPositions(files.positionFile);
    const positions = new PositionRecorder(files.positionFile, clock, start);
    const target = { statusFile: files.statusFile, ...adopt };
    const ended = waitForAdopted(target, this.deps.pollMs ?? 100);
    // Without a pid there was no deadline journaled either, and no process to wait for: the
    // status file alone decides, so the deadline must not race it.
    const deadlineAt = adopt.pid === undefined ? clock.now().getTime() + script.timeoutSeconds * 1000 : adopt.deadlineAt.getTime();
    const outcome = await adoptScript(this.scriptDeps(), {
      pid: adopt.pid,
      ended,
      deadlineMs: clock.monotonicMs() + (deadlineAt - clock.now().getTime()),
      signal: ctx.req.signal,
      detach: ctx.req.detach,
      output: ctx.output,
      files: { ...outputFiles(files, positions), start },
    });
    positions.flush();
    if (outcome.kind === 'lost' && script.retryOnRestart === true) {
      ctx.warnings.push(msg.retried(script.location));
      return this.runOne(ctx);
    }
    return this.judge(ctx, outcome, undefined);
  }

  private scriptDeps(): RunScriptDeps {
    return { ...this.deps, killTree: this.deps.platform.killTree };
  }

  /** Adds the OutputsLeftOpen warning and maps the outcome to a failure (undefined: success). */
  private judge(ctx: ScriptContext, outcome: ScriptOutcome, eventBound: number | undefined): Failure | undefined {
    if (outcome.leftOpen.length > 0) {
      const files = outcome.leftOpen.map((stream) => (stream === 'STDOUT' ? ctx.files.stdout : ctx.files.stderr));
      ctx.warnings.push(msg.outputsLeftOpen(ctx.script.location, outcome.leftOpen, files));
    }
    return failureOf(ctx.script, outcome, eventBound, this.deps.platform.rebootExitCode);
  }

  /** CodeDeploy's checks before a run: the file exists, is executable (or is made so), runas is usable. */
  private async prepare(ctx: ScriptContext): Promise<Failure | Prepared> {
    const { req, script } = ctx;
    const { path: scriptPath, outside } = locateScript(req.archiveDir, script.location);
    // Before anything touches it: a host file reached by `../..` is neither chmod'ed nor run.
    if (outside !== undefined) return { errorCode: 'ScriptOutsideRevision', message: msg.outside(script.location, outside, req.archiveDir) };
    const info = statOrUndefined(scriptPath);
    if (!info?.isFile()) return { errorCode: 'ScriptMissing', message: msg.missing(scriptPath) };
    if (!succeeds(() => accessSync(scriptPath, constants.X_OK))) {
      ctx.warnings.push(msg.notExecutable(script.location));
      // Zips often lose the x bit; CodeDeploy fixes it rather than failing.
      if (!succeeds(() => chmodSync(scriptPath, info.mode | 0o111))) {
        return { errorCode: 'ScriptNotExecutable', message: msg.chmodFailed(script.location) };
      }
    }
    const identity = await this.deps.platform.identity(script.runas, script.sudo === true);
    if (typeof identity === 'string') {
      return { errorCode: 'ScriptFailed', message: msg.runasUnusable(script.location, script.runas, identity) };
    }
    const command = this.deps.platform.commandLine({ scriptPath, statusFile: ctx.files.statusFile, prefix: identity.prefix });
    return { command, env: { ...req.env, ...identity.env } };
  }
}

/** The output files of a script, with copy progress going to `positions`. */
function outputFiles(files: ScriptFiles, positions: PositionRecorder): OutputFiles {
  return { stdout: files.stdout, stderr: files.stderr, onCopied: (stream, bytes) => positions.update(stream, bytes) };
}

/** The event's result from its first failure, if any. */
function resultOf(
  failed: { failure: Failure; script: HookScript; index: number } | undefined,
  logTail: string,
  warnings: string[],
): HookEventResult {
  if (!failed) return { status: 'Succeeded', errorCode: 'Success', message: '', logTail, warnings };
  const { failure, script, index } = failed;
  const { detached, reboot, ...rest } = failure;
  const result: HookEventResult = { status: 'Failed', ...rest, scriptName: script.location, logTail, warnings };
  if (detached) result.detached = true;
  if (reboot) result.rebootRequested = { index };
  return result;
}

/** True when `fn` returns; false when it throws (the caller reports the failure as its own result). */
function succeeds(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

/** The file's stats, or undefined when it cannot be stat'ed (missing, unreadable directory). */
function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** Maps a finished run to CodeDeploy's error code and message; undefined on success. */
function failureOf(script: HookScript, outcome: ScriptOutcome, eventBound: number | undefined, rebootCode: number): Failure | undefined {
  const loc = script.location;
  switch (outcome.kind) {
    case 'timedOut': {
      const message = eventBound === undefined ? msg.timedOut(loc, script.timeoutSeconds) : msg.eventTimedOut(loc, eventBound);
      return { errorCode: 'ScriptTimedOut', message };
    }
    case 'aborted':
      return { errorCode: 'UnknownError', message: msg.aborted(loc) };
    case 'detached':
      return { errorCode: 'UnknownError', message: msg.detached(loc), detached: true };
    case 'lost':
      return { errorCode: 'FailedAfterRestart', message: msg.lost(loc) };
    case 'spawnError':
      return { errorCode: 'ScriptFailed', message: msg.spawnError(loc, script.runas, outcome.error) };
    case 'exited': {
      const { code, signal } = outcome.exit;
      if (code === 0) return undefined;
      if (code === rebootCode) return { errorCode: 'ScriptFailed', message: msg.rebootRequested(loc, code), reboot: true };
      const message = code === null ? msg.signal(loc, script.runas, signal ?? 'unknown') : msg.exitCode(loc, script.runas, code);
      return { errorCode: 'ScriptFailed', message };
    }
  }
}
