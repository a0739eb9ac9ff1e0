/**
 * Hook output lines as `deckhand logs` and `deploy --wait` print them: `host event | text`
 * (`!` instead of `|` for stderr). Host, event and text are written by hosts and hooks: every
 * one is sanitized (sanitize.ts), so a line can neither move the cursor nor fake another line.
 */
import type { LogCutView, LogLineView, LogRetentionView } from '../../../protocol/src/logs.ts';
import { safe, sanitize } from './sanitize.ts';

/** One line: `host-1 AfterInstall | text`. */
export function formatLogLine(line: LogLineView): string {
  const host = line.hostname === '' ? line.instanceId : line.hostname;
  return `${sanitize(host)} ${sanitize(line.lifecycleEvent)} ${line.stream === 'stderr' ? '!' : '|'} ${sanitize(line.text)}`;
}

/** `1.5 KiB`, `512 MiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${units[unit]}`;
}

/** What was not kept, one line per host and event. */
export function formatCuts(cut: readonly LogCutView[], retention?: LogRetentionView): string[] {
  const cap = retention === undefined ? '' : ` of ${formatBytes(retention.maxBytesPerDeployment)}`;
  return cut.map((c) =>
    safe`note: ${c.hostname === '' ? c.instanceId : c.hostname} ${c.lifecycleEvent}: ${String(c.lines)} line(s) (${formatBytes(c.bytes)}) not kept: the deployment's log reached its cap${cap}`,
  );
}

/** The notice of a log deleted for its age. */
export function formatExpired(expiredAt: string, retention: LogRetentionView): string {
  return safe`note: this deployment's hook output was deleted on ${expiredAt} (kept ${String(retention.days)} days after a deployment ends)`;
}
