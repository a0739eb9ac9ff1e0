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
  /** The user the agent runs as; a `runas` naming it runs the script directly. */
  currentUser: string;
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
    try {
      output.header(`LifecycleEvent - ${req.event}`);
      for (const [index, script] of req.scripts.entries()) {
        const failure = await this.runOne({ req, script, index, output, warnings });
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
    const outcome = await runScript({ ...this.deps, killTree: this.deps.platform.killTree }, {
      command: prepared.command,
      cwd: req.archiveDir,
      env: req.env,
      timeoutMs: script.timeoutSeconds * 1000,
      signal: req.signal,
      output: ctx.output,
    });
    if (outcome.leftOpen.length > 0) {
      ctx.warnings.push(msg.outputsLeftOpen(script.location, outcome.leftOpen, this.deps.drainGraceMs));
    }
    return failureOf(script, outcome);
  }

  /** CodeDeploy's checks before a run: the file exists, is executable (or is made so), runas is usable. */
  private async prepare(ctx: ScriptContext): Promise<Failure | { command: CommandLine; statusFile: string }> {
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
    if (script.runas !== undefined && script.runas !== this.deps.currentUser) {
      const reason = await this.deps.platform.checkRunAs(script.runas);
      if (reason !== undefined) {
        return { errorCode: 'ScriptFailed', message: msg.runasUnusable(script.location, script.runas, reason) };
      }
    }
    const statusFile = path.join(req.statusDir, `${req.event}-${ctx.index}.status`);
    const command = this.deps.platform.commandLine({
      scriptPath,
      statusFile,
      currentUser: this.deps.currentUser,
      ...(script.runas === undefined ? {} : { runas: script.runas }),
      ...(script.sudo === undefined ? {} : { sudo: script.sudo }),
    });
    return { command, statusFile };
  }
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(() => true, () => false);
}

/** Maps a finished run to CodeDeploy's error code and message; undefined on success. */
function failureOf(script: HookScript, outcome: ScriptOutcome): Failure | undefined {
  const loc = script.location;
  switch (outcome.kind) {
    case 'timedOut':
      return { errorCode: 'ScriptTimedOut', message: msg.timedOut(loc, script.timeoutSeconds) };
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
