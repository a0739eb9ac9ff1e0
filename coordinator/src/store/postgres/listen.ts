/**
 * LISTEN on a connection of its own, kept open: when it drops (the server restarted, failed
 * over, or the network broke) it is opened again after a short, growing pause, and the caller
 * is told on every (re)connection, since notifications sent meanwhile are lost (NOTIFY is a
 * wake-up, never the only path: callers also re-read on a timer).
 */
import pg from 'pg';
import type { ClusterListener } from '../cluster.ts';

/** Options of {@link listen}. */
export interface ListenOptions {
  url: string;
  channels: readonly string[];
  onNotify: (channel: string, payload: string) => void;
  onConnected: () => void;
  /** Told about each lost connection (the URL's password is never part of it). */
  onError: (err: Error) => void;
}

const RETRY_MS = [250, 500, 1000, 2000, 5000];

/** Listens until closed. */
export function listen(opts: ListenOptions): ClusterListener {
  let closed = false;
  let client: pg.Client | undefined;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;

  const retry = (): void => {
    if (closed) return;
    const ms = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
    attempt += 1;
    timer = setTimeout(() => void connect(), ms);
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: opts.url, application_name: 'deckhand-coordinator listener', keepAlive: true });
    client = c;
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      opts.onError(err);
      c.end().catch(() => {
        // The connection is already broken; ending it only frees what is left.
      });
      retry();
    };
    c.on('error', fail);
    c.on('end', () => fail(new Error('the listening connection ended')));
    c.on('notification', (n) => opts.onNotify(n.channel, n.payload ?? ''));
    try {
      await c.connect();
      for (const channel of opts.channels) await c.query(`LISTEN ${c.escapeIdentifier(channel)}`);
    } catch (err) {
      fail(err as Error);
      return;
    }
    if (closed) {
      await c.end();
      return;
    }
    attempt = 0;
    opts.onConnected();
  };

  void connect();
  return {
    close: async () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      const c = client;
      client = undefined;
      if (c) {
        c.removeAllListeners('end');
        c.removeAllListeners('error');
        c.on('error', () => {
          // Closing: nothing left to report.
        });
        await c.end().catch(() => {
          // Already closed or broken: nothing to do.
        });
      }
    },
  };
}
