/**
 * Following the coordinator's Server-Sent Events. The browser's EventSource reconnects by itself
 * after a dropped connection (and resumes hook output with Last-Event-ID); when it gives up (the
 * coordinator answered an error, e.g. while restarting) we open a new one after a growing pause.
 * Every stream reports its state to the page's connection indicator, so a disconnection is shown,
 * not hidden.
 */

/** What a stream is doing. */
export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

/** Handlers by event name; data is the event's parsed JSON. */
export type Handlers = Record<string, (data: never) => void>;

/** Options of {@link follow}. */
export interface FollowOptions {
  /**
   * Asked when the coordinator refused the stream (EventSource does not say why): resolves to
   * a reason to stop for good (e.g. the deployment does not exist), or undefined to retry.
   */
  refused?: () => Promise<string | undefined>;
}

/** An open stream. */
export interface Stream {
  close(): void;
}

const listeners = new Set<(state: StreamState) => void>();
const states = new Map<object, StreamState>();

/** The page's overall state: reconnecting when any stream is, live when one is. */
function overall(): StreamState {
  const all = [...states.values()];
  if (all.includes('reconnecting')) return 'reconnecting';
  if (all.includes('connecting')) return 'connecting';
  return all.includes('live') ? 'live' : 'ended';
}

/** Calls `listener` whenever the overall state changes. */
export function onConnectionState(listener: (state: StreamState) => void): void {
  listeners.add(listener);
}

function report(key: object, state: StreamState | undefined): void {
  if (state === undefined) states.delete(key);
  else states.set(key, state);
  const now = overall();
  for (const l of listeners) l(now);
}

/**
 * Opens `url` as an EventSource. `url` is called again for each new connection (hook output
 * resumes after the last line it had). `end` events close the stream for good.
 */
export function follow(url: () => string, handlers: Handlers, opts: FollowOptions = {}): Stream {
  const key = {};
  let source: EventSource | undefined;
  let closed = false;
  let retryMs = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = (): void => {
    const es = new EventSource(url(), { withCredentials: true });
    source = es;
    report(key, 'connecting');
    es.onopen = () => {
      retryMs = 1000;
      report(key, 'live');
    };
    es.onerror = () => {
      if (closed) return;
      if (es.readyState === EventSource.CONNECTING) return report(key, 'reconnecting');
      // Closed by the browser (an error status): ask why, else try again ourselves, backing off.
      es.close();
      report(key, 'reconnecting');
      const retry = (): void => {
        if (closed) return;
        timer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 15_000);
      };
      if (!opts.refused) return retry();
      opts.refused().then((reason) => (reason === undefined ? retry() : stop('ended')), retry);
    };
    for (const [name, handler] of Object.entries(handlers)) {
      es.addEventListener(name, (e) => {
        handler(JSON.parse((e as MessageEvent<string>).data) as never);
        if (name === 'end') stop('ended');
      });
    }
    if (!('end' in handlers)) es.addEventListener('end', () => stop('ended'));
  };
  const stop = (state: StreamState | undefined): void => {
    closed = true;
    clearTimeout(timer);
    source?.close();
    report(key, state);
  };
  open();
  return { close: () => stop(undefined) };
}
