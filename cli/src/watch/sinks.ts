/**
 * Where live progress goes: a cli-progress bar on a terminal, plain lines otherwise.
 */
import type { Writable } from 'node:stream';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { DeploymentView } from '../../../protocol/src/api.ts';
import { sanitize } from '../format/sanitize.ts';
import { countProgress } from './render.ts';

/** Receives each polled view and each change line. */
export interface ProgressSink {
  log(line: string): void;
  update(view: DeploymentView): void;
  stop(): void;
}

/** Plain lines, for logs and CI: a count line whenever the number of finished hosts changes. */
export class PlainSink implements ProgressSink {
  readonly #out: Writable;
  #lastDone = -1;

  constructor(out: Writable) {
    this.#out = out;
  }

  log(line: string): void {
    this.#out.write(`${line}\n`);
  }

  update(view: DeploymentView): void {
    const { done, total } = countProgress(view);
    if (done === this.#lastDone || total === 0) return;
    this.#lastDone = done;
    this.log(`progress: ${done}/${total} hosts done`);
  }

  stop(): void {
    // Nothing to tear down: every line is already written.
  }
}

/** One cli-progress bar per deployment, with change lines printed above the bars. */
export class BarSink implements ProgressSink {
  readonly #multi: MultiBar;
  readonly #bars = new Map<string, SingleBar>();

  constructor(out: Writable) {
    this.#multi = new MultiBar(
      {
        stream: out as NodeJS.WritableStream,
        format: ' {deployment} [{bar}] {value}/{total} hosts | {status}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        forceRedraw: true,
      },
      Presets.shades_classic,
    );
  }

  log(line: string): void {
    this.#multi.log(`${line}\n`);
  }

  update(view: DeploymentView): void {
    const { done, total } = countProgress(view);
    const payload = { deployment: sanitize(view.deploymentId), status: sanitize(view.status) };
    let bar = this.#bars.get(view.deploymentId);
    if (bar === undefined) {
      bar = this.#multi.create(Math.max(total, 1), done, payload);
      this.#bars.set(view.deploymentId, bar);
    }
    bar.setTotal(Math.max(total, 1));
    bar.update(done, payload);
  }

  stop(): void {
    // log() only buffers until the next redraw, and stop() does not flush that buffer.
    this.#multi.update();
    this.#multi.stop();
  }
}
