/**
 * Following a deployment's hook output as Server-Sent Events. SSE rather than a WebSocket: the
 * stream only goes one way, it is plain HTTP (the same token, TLS and proxies as every other
 * route; curl can read it), a browser's EventSource reconnects by itself and resumes with
 * Last-Event-ID (our cursor), and TCP's own flow control paces a slow reader. The follower
 * never buffers lines: it reads the store after its cursor, writes, and waits for the socket to
 * drain before reading more, so a slow reader costs a paused loop, not memory, and the agents
 * and hooks never wait for it.
 */
import type { DeploymentStatus, DeploymentSummary, LogCutView, LogLineView } from '../../../protocol/src/index.ts';
import { isTerminalDeploymentStatus } from '../../../protocol/src/index.ts';
import type { LogLineRecord, LogStreamRecord } from '../store/logs.ts';
import type { Repositories } from '../store/store.ts';
import type { LogFeed } from './feed.ts';

/** Where the events go (the raw HTTP response). */
export interface EventSink {
  /** false: the socket is backed up; wait for {@link drained}. */
  write(text: string): boolean;
  drained(): Promise<void>;
}

/** What a follower reads and waits on. */
export interface FollowDeps {
  store: Pick<Repositories, 'logs'>;
  feed: LogFeed;
  /** The deployment's summary; undefined once it is gone. */
  summary(deploymentId: string): Promise<DeploymentSummary | undefined>;
  /** Resolves the hostname of an instance for cut notices. */
  hostnameOf(instanceId: string): string;
}

/** What to follow. */
export interface FollowQuery {
  deploymentId: string;
  after: number;
  instanceId?: string;
  lifecycleEvent?: string;
}

/** Lines per event written at once. */
const BATCH = 1000;
/** The store is read at least this often without a wake-up (another coordinator may have stored lines). */
const POLL_MS = 1000;
/** After the deployment ends, lines may still arrive for this long (agents sending their last frames). */
const LINGER_MS = 2000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/** The API's view of a stored line. */
export function lineView(l: LogLineRecord): LogLineView {
  return { cursor: l.cursor, instanceId: l.instanceId, hostname: l.hostname, lifecycleEvent: l.lifecycleEvent, seq: l.seq, at: l.at, stream: l.stream, text: l.text };
}

/** The API's view of a stream's cut lines. */
export function cutView(s: LogStreamRecord, hostname: string): LogCutView {
  return { instanceId: s.instanceId, hostname, lifecycleEvent: s.lifecycleEvent, lines: s.cutLines, bytes: s.cutBytes };
}

function sse(event: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A wake-up that can be awaited with a timeout; firing before the wait makes the wait return at once. */
class Waker {
  private fired = false;
  private resolve: (() => void) | undefined;

  fire(): void {
    this.fired = true;
    this.resolve?.();
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.fired || signal.aborted) {
      this.fired = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.resolve = done;
    });
    this.fired = false;
  }
}

/** Streams the query's lines until the deployment has ended (and lingered), or `signal` aborts. */
export async function followLogs(deps: FollowDeps, q: FollowQuery, out: EventSink, signal: AbortSignal): Promise<void> {
  const waker = new Waker();
  const unsubscribe = deps.feed.subscribe(q.deploymentId, () => waker.fire());
  const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS);
  const state = { cursor: q.after, status: '' as DeploymentStatus | '', overview: '', cut: '', endedAt: undefined as number | undefined, checkedAt: -Infinity };
  try {
    while (!signal.aborted) {
      const lines = await deps.store.logs.read({ ...q, after: state.cursor, limit: BATCH });
      if (lines.length > 0) {
        state.cursor = (lines[lines.length - 1] as LogLineRecord).cursor;
        if (!out.write(sse('lines', { lines: lines.map(lineView) }, state.cursor))) await out.drained();
        if (lines.length === BATCH) continue;
      }
      if (Date.now() - state.checkedAt >= POLL_MS || lines.length > 0) {
        state.checkedAt = Date.now();
        if (!(await reportDeployment(deps, q, out, state))) return;
      }
      if (state.endedAt !== undefined && lines.length === 0 && Date.now() - state.endedAt >= LINGER_MS) {
        out.write(sse('end', { status: state.status, after: state.cursor }));
        return;
      }
      await waker.wait(state.endedAt === undefined ? POLL_MS : LINGER_MS / 4, signal);
    }
  } finally {
    clearInterval(keepalive);
    unsubscribe();
  }
}

/** Writes the deployment's status and cuts when they changed; false once the deployment is gone. */
async function reportDeployment(
  deps: FollowDeps,
  q: FollowQuery,
  out: EventSink,
  state: { status: DeploymentStatus | ''; overview: string; cut: string; endedAt: number | undefined },
): Promise<boolean> {
  const summary = await deps.summary(q.deploymentId);
  if (summary === undefined) {
    out.write(sse('end', { status: state.status, reason: 'the deployment is gone' }));
    return false;
  }
  const overview = JSON.stringify(summary.overview);
  if (summary.status !== state.status || overview !== state.overview) {
    state.status = summary.status;
    state.overview = overview;
    out.write(sse('deployment', { deploymentId: summary.deploymentId, status: summary.status, overview: summary.overview, ...(summary.rollout ? { rollout: summary.rollout } : {}) }));
  }
  const cuts = (await deps.store.logs.cutStreams(q.deploymentId)).filter(
    (s) => (q.instanceId === undefined || s.instanceId === q.instanceId) && (q.lifecycleEvent === undefined || s.lifecycleEvent === q.lifecycleEvent),
  );
  const cut = JSON.stringify(cuts.map((s) => [s.instanceId, s.lifecycleEvent, s.cutLines]));
  if (cuts.length > 0 && cut !== state.cut) {
    state.cut = cut;
    out.write(sse('cut', { cut: cuts.map((s) => cutView(s, deps.hostnameOf(s.instanceId))) }));
  }
  if (isTerminalDeploymentStatus(summary.status)) state.endedAt ??= Date.now();
  return true;
}
