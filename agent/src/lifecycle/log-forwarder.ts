/** Batches hook output lines into agent.log frames: at most every `flushMs`, or when a batch is full. */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { AgentBodies } from '../../../protocol/src/messages.ts';
import type { OutputLine } from '../hooks/types.ts';
import type { LogReporter } from './types.ts';

type LogLine = AgentBodies['agent.log']['lines'][number];

const MAX_LINE_CHARS = 16_384;

export interface ForwarderOptions {
  clock: Clock;
  reporter: LogReporter;
  deploymentId: string;
  lifecycleEvent: string;
  /** @default 200 */
  maxLines?: number;
  /** @default 500 */
  flushMs?: number;
}

export class LogForwarder {
  private lines: LogLine[] = [];
  private timer: TimerHandle | undefined;

  constructor(private readonly opts: ForwarderOptions) {}

  /** Queues one line; never throws (the hook runner's onLine contract). */
  push(line: OutputLine): void {
    this.lines.push({ at: line.at.toISOString(), stream: line.stream, text: line.text.slice(0, MAX_LINE_CHARS) });
    if (this.lines.length >= (this.opts.maxLines ?? 200)) this.flush();
    else this.timer ??= this.opts.clock.setTimeout(() => this.flush(), this.opts.flushMs ?? 500);
  }

  /** Sends what is queued now. */
  flush(): void {
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0) return;
    const lines = this.lines;
    this.lines = [];
    try {
      this.opts.reporter.sendLog({ deploymentId: this.opts.deploymentId, lifecycleEvent: this.opts.lifecycleEvent, lines });
    } catch {
      // Live output is best effort: scripts.log on disk is the record, so a failed send is dropped.
    }
  }
}
