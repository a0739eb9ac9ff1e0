/**
 * Says loudly when the process runs out of file descriptors. When accept() fails with EMFILE,
 * libuv accepts and closes the waiting connections itself and Node emits nothing (its "EMFILE
 * trick"): the coordinator goes deaf without a word (issue 14). So a probe opens one
 * descriptor now and then; when that fails with EMFILE/ENFILE, an error is logged once per
 * interval with the limit and the connections held, and a metric counts it.
 */
import fs from 'node:fs';
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';

/** How often the probe runs. */
export const FD_PROBE_MS = 5_000;
/** At most one log line per this interval while descriptors stay exhausted. */
const LOG_INTERVAL_MS = 60_000;

/** The soft limit of open files (Linux /proc/self/limits), or undefined where it cannot be read. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/self/limits', 'utf8');
    } catch {
      // Not Linux (or /proc not mounted): the log line goes without the limit.
      return undefined;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  return m?.[1] === undefined || m[1] === 'unlimited' ? undefined : Number(m[1]);
}

/** Dependencies of {@link fdProbe}. */
export interface FdWatchDeps {
  clock: Clock;
  log: Logger;
  /** Connections held now, for the log line. */
  connections: () => { open: number; unauthenticated: number };
  /** Counts each failed probe. */
  exhausted?: (code: string) => void;
  /** Opens and closes one descriptor; throws as fs does. @default /dev/null */
  probe?: () => void;
}

function devNullProbe(): void {
  fs.closeSync(fs.openSync(process.platform === 'win32' ? '\\\\.\\NUL' : '/dev/null', 'r'));
}

/** A check to run every few seconds ({@link FD_PROBE_MS}): logs (once per minute) and counts descriptor exhaustion. */
export function fdProbe(deps: FdWatchDeps): () => void {
  const probe = deps.probe ?? devNullProbe;
  const limit = openFileLimit();
  let lastLogged: number | undefined;
  let failures = 0;
  return (): void => {
    try {
      probe();
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
      if (code !== 'EMFILE' && code !== 'ENFILE') {
        deps.log.warn('file descriptor probe failed', { err: (err as Error).message });
        return;
      }
      failures += 1;
      deps.exhausted?.(code);
      const now = deps.clock.monotonicMs();
      if (lastLogged !== undefined && now - lastLogged < LOG_INTERVAL_MS) return;
      lastLogged = now;
      deps.log.error('out of file descriptors: new connections are dropped unanswered', {
        code,
        openFileLimit: limit,
        ...deps.connections(),
        probesFailedSinceStart: failures,
        hint: 'raise the open file limit (LimitNOFILE= in the systemd unit, ulimit -n) or lower --max-unauthenticated',
      });
    }
  };
}
