/**
 * The hook runner: runs one lifecycle event's scripts in order, the way the CodeDeploy agent
 * does (same checks, same messages, same scripts.log), stopping at the first failure.
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LifecycleErrorCode } from '../../../protocol/src/index.ts';
import type { HookScript } from '../appspec/types.ts';
import { hookMessages as msg } from './messages.ts';
import { EventOutput } from './output.ts';
import { runScript } from './run-script.ts';
import type { RunScriptDeps, ScriptOutcome } from './run-script.ts';
import type { CommandLine, HookEventRequest, HookEventResult, HookPlatform, HookRunner } from './types.ts';

/** Dependencies of {@link ProcessHookRunner}. */
export interface ProcessHookRunnerDeps extends Omit<RunScriptDeps, 'killTree'> {
  platform: HookPlatform;
}

/** Why a script failed, before it is turned into a result. */
interface Failure {
  errorCode: LifecycleErrorCode;
  message: string;
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
}

/** A script ready to start. */
interface Prepared {
  command: CommandLine;
  env: Record<string, string>;
  statusFile: string;
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
    await mkdir(path.dirname(req.logFile), { recursive: true });
    await mkdir(req.statusDir, { recursive: true });
    const output = new EventOutput({ logFile: req.logFile, clock: this.deps.clock, ...(req.onLine ? { onLine: req.onLine } : {}) });
    let failed: { failure: Failure; script: HookScript } | undefined;
    const eventTimeout = eventTimeoutSeconds(req.scripts);
    const eventDeadlineMs = this.deps.clock.monotonicMs() + eventTimeout * 1000;
    try {
      output.header(`LifecycleEvent - ${req.event}`);
      for (const [index, script] of req.scripts.entries()) {
        const ctx = { req, script, index, output, warnings, eventDeadlineMs, eventTimeoutSeconds: eventTimeout };
        const failure = await this.runOne(ctx);
        if (failure) {
          failed = { failure, script };
          break;
        }
      }
    } finally {
      await output.close();
    }
    warnings.push(...output.problems());
    const logTail = output.tail();
    if (!failed) return { status: 'Succeeded', errorCode: 'Success', message: '', logTail, warnings };
    const { failure, script } = failed;
    return { status: 'Failed', ...failure, scriptName: script.location, logTail, warnings };
  }

  private async runOne(ctx: ScriptContext): Promise<Failure | undefined> {
    const { req, script } = ctx;
    if (req.signal?.aborted) return { errorCode: 'UnknownError', message: msg.abortedBefore(script.location) };
    const prepared = await this.prepare(ctx);
    if ('errorCode' in prepared) return prepared;
    ctx.output.header(`Script - ${script.location}`);
    await rm(prepared.statusFile, { force: true });
    const ownDeadlineMs = this.deps.clock.monotonicMs() + script.timeoutSeconds * 1000;
    const outcome = await runScript({ ...this.deps, killTree: this.deps.platform.killTree }, {
      command: prepared.command,
      cwd: req.archiveDir,
      env: prepared.env,
      deadlineMs: Math.min(ownDeadlineMs, ctx.eventDeadlineMs),
      signal: req.signal,
      output: ctx.output,
    });
    if (outcome.leftOpen.length > 0) {
      ctx.warnings.push(msg.outputsLeftOpen(script.location, outcome.leftOpen, this.deps.drainGraceMs));
    }
    // Time spent outside scripts (user lookup, output drains) comes out of the event's total;
    // the message names the event's total once that cut a whole second (the unit of timeouts)
    // off the script's own.
    const eventBound = ctx.eventDeadlineMs <= ownDeadlineMs - 1000 ? ctx.eventTimeoutSeconds : undefined;
    return failureOf(script, outcome, eventBound);
  }

  /** CodeDeploy's checks before a run: the file exists, is executable (or is made so), runas is usable. */
  private async prepare(ctx: ScriptContext): Promise<Failure | Prepared> {
    const { req, script } = ctx;
    // join, not resolve: CodeDeploy treats a leading `/` in a location as relative to the revision.
    const scriptPath = path.resolve(path.join(req.archiveDir, script.location));
    const info = await stat(scriptPath).catch(() => undefined);
    if (!info?.isFile()) return { errorCode: 'ScriptMissing', message: msg.missing(scriptPath) };
    if (!(await isExecutable(scriptPath))) {
      ctx.warnings.push(msg.notExecutable(script.location));
      // Zips often lose the x bit; CodeDeploy fixes it rather than failing.
      const fixed = await chmod(scriptPath, info.mode | 0o111).then(() => true, () => false);
      if (!fixed) return { errorCode: 'ScriptNotExecutable', message: msg.chmodFailed(script.location) };
    }
    const identity = await this.deps.platform.identity(script.runas, script.sudo === true);
    if (typeof identity === 'string') {
      return { errorCode: 'ScriptFailed', message: msg.runasUnusable(script.location, script.runas, identity) };
    }
    const statusFile = path.join(req.statusDir, `${req.event}-${ctx.index}.status`);
    const command = this.deps.platform.commandLine({ scriptPath, statusFile, prefix: identity.prefix });
    return { command, env: { ...req.env, ...identity.env }, statusFile };
  }
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(() => true, () => false);
}

/** Maps a finished run to CodeDeploy's error code and message; undefined on success. */
function failureOf(script: HookScript, outcome: ScriptOutcome, eventBound: number | undefined): Failure | undefined {
  const loc = script.location;
  switch (outcome.kind) {
    case 'timedOut': {
      const message = eventBound === undefined ? msg.timedOut(loc, script.timeoutSeconds) : msg.eventTimedOut(loc, eventBound);
      return { errorCode: 'ScriptTimedOut', message };
    }
    case 'aborted':
      return { errorCode: 'UnknownError', message: msg.aborted(loc) };
    case 'spawnError':
      return { errorCode: 'ScriptFailed', message: msg.spawnError(loc, script.runas, outcome.error) };
    case 'exited': {
      const { code, signal } = outcome.exit;
      if (code === 0) return undefined;
      const message = code === null ? msg.signal(loc, script.runas, signal ?? 'unknown') : msg.exitCode(loc, script.runas, code);
      return { errorCode: 'ScriptFailed', message };
    }
  }
}
