/**
 * Following a deployment until it ends: polls GET /v1/deployments/:id and reports each change
 * to a progress sink. Shared by `deckhand deploy --wait` and `deckhand demo`.
 */
import type { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { DeploymentView } from '../../../protocol/src/api.ts';
import { isTerminalDeploymentStatus } from '../../../protocol/src/status.ts';
import type { DeckhandClient } from '../client.ts';
import { isTransient } from './logs.ts';
import { describeChanges } from './render.ts';
import { BarSink, PlainSink, type ProgressSink } from './sinks.ts';

/** Options of {@link watchDeployment}. */
export interface WatchOptions {
  client: Pick<DeckhandClient, 'getDeployment'>;
  deploymentId: string;
  /** Where progress goes (stderr: stdout is kept for results). */
  out: Writable;
  /** Live bars when true, plain lines otherwise. */
  tty: boolean;
  /** @default 300 */
  intervalMs?: number;
  /** How long the coordinator may stay unreachable (a restart) before giving up. @default 600000 (10 min) */
  retryMs?: number;
  signal?: AbortSignal;
  /** Where progress goes. @default createSink(out, tty) */
  sink?: ProgressSink;
}

/** Picks the sink for the output: bars on a terminal, plain lines elsewhere. */
export function createSink(out: Writable, tty: boolean): ProgressSink {
  return tty ? new BarSink(out) : new PlainSink(out);
}

/** Polls until the deployment reaches a terminal status and returns its final view. */
export async function watchDeployment(opts: WatchOptions): Promise<DeploymentView> {
  const sink = opts.sink ?? createSink(opts.out, opts.tty);
  let prev: DeploymentView | undefined;
  try {
    for (;;) {
      const view = await pollOnce(opts);
      for (const line of describeChanges(prev, view)) sink.log(line);
      sink.update(view);
      prev = view;
      if (isTerminalDeploymentStatus(view.status)) return view;
      await delay(opts.intervalMs ?? 300, undefined, opts.signal ? { signal: opts.signal } : {});
    }
  } finally {
    // A sink the caller passed in is the caller's to stop (it may print more after).
    if (opts.sink === undefined) sink.stop();
  }
}

/** One GET, retried for up to `retryMs` while the coordinator cannot answer (a restart, say). */
async function pollOnce(opts: WatchOptions): Promise<DeploymentView> {
  const since = Date.now();
  for (;;) {
    try {
      return await opts.client.getDeployment(opts.deploymentId);
    } catch (err) {
      if (!isTransient(err) || Date.now() - since > (opts.retryMs ?? 600_000)) throw err;
      await delay(Math.max(opts.intervalMs ?? 300, 1000), undefined, opts.signal ? { signal: opts.signal } : {});
    }
  }
}
