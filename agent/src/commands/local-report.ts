/**
 * What `deckhand-agent local` prints: each event as it runs, and at the end codedeploy-local's
 * lines (where the deployment ran, the failed script, where the script log is, "Local deployment
 * successful") with Deckhand's failure details; or, with --json, one JSON object on stdout (the
 * progress lines then go to stderr).
 */
import path from 'node:path';
import type { EventOutcome } from '../journal/types.ts';
import type { LifecycleObserver } from '../lifecycle/types.ts';
import type { CommandIo } from './appspec-validate.ts';

/** One event as the run saw it. */
export interface EventReport extends EventOutcome {
  event: string;
  durationMs: number;
}

/** The JSON `local --json` prints. */
export interface LocalReport {
  deploymentId: string;
  status: 'Succeeded' | 'Failed';
  deploymentGroupId: string;
  deploymentDir: string;
  logFile: string;
  events: EventReport[];
  /** The event that failed, when one did. */
  failed?: EventReport;
}

/** Watches the events of a local run: prints them as they go and keeps them for the report. */
export class LocalPrinter implements LifecycleObserver {
  readonly events: EventReport[] = [];
  private startedAt = 0;

  constructor(
    private readonly io: CommandIo,
    private readonly json: boolean,
  ) {}

  /** Progress goes to stdout, or to stderr when stdout is kept for the JSON report. */
  progress(text: string): void {
    (this.json ? this.io.err : this.io.out)(text);
  }

  eventStarted(event: string): void {
    this.startedAt = Date.now();
    this.progress(`  ${event} ...`);
  }

  eventFinished(event: string, outcome: EventOutcome): void {
    const durationMs = Date.now() - this.startedAt;
    const note = outcome.status === 'Skipped' && outcome.message !== undefined ? ` (${outcome.message})` : '';
    this.progress(`  ${event} ${outcome.status} in ${(durationMs / 1000).toFixed(1)} s${note}`);
    this.events.push({ event, durationMs, ...outcome });
  }

  /** The event that failed, if any. */
  failed(): EventReport | undefined {
    return this.events.find((e) => e.status === 'Failed');
  }

  /** Prints the end of the run; `report` is what --json prints. */
  finish(report: LocalReport): void {
    if (this.json) {
      this.io.out(JSON.stringify(report));
      return;
    }
    const { failed, logFile } = report;
    if (failed?.scriptName !== undefined) {
      this.io.err(`Your local deployment failed while trying to execute your script at ${path.join(report.deploymentDir, 'deployment-archive', failed.scriptName)}`);
    }
    if (failed !== undefined) printFailure(this.io, failed);
    else if (report.status === 'Failed') this.io.err('The deployment failed before any event ran.');
    this.io.out(`See the deployment log at ${logFile} for more details`);
    if (report.status === 'Succeeded') this.io.out('AppSpec file valid. Local deployment successful');
  }
}

function printFailure(io: CommandIo, failed: EventReport): void {
  io.err(`Deployment failed at ${failed.event}: ${failed.errorCode ?? 'UnknownError'}`);
  if (failed.scriptName !== undefined) io.err(`  script: ${failed.scriptName}`);
  if (failed.message !== undefined) io.err(`  ${failed.message.split('\n').join('\n  ')}`);
  if (failed.logTail !== undefined && failed.logTail !== '') {
    io.err('  last output:');
    io.err(failed.logTail.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
  }
}

/** What a run refused before it started prints: `error: ...`, or `{"error": ...}` with --json. */
export function printRefusal(io: CommandIo, json: boolean, code: string, message: string): void {
  if (json) io.out(JSON.stringify({ error: { code, message } }));
  else io.err(`error: ${message}`);
}
