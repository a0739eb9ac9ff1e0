/**
 * How values read on the page. A status is always a symbol and a word (colour only repeats
 * them), so it reads the same without colour, in high contrast and to a screen reader.
 */

/** Symbol of each status (deployment, host or lifecycle event). */
const SYMBOLS: Readonly<Record<string, string>> = {
  Succeeded: '✓',
  Failed: '✗',
  InProgress: '▶',
  Baking: '◷',
  Pending: '…',
  Created: '…',
  Queued: '⋯',
  Ready: '○',
  WaitingForAgent: '⌛',
  Skipped: '–',
  Stopped: '■',
  Unknown: '?',
};

/** The symbol of a status ('•' for one this page does not know). */
export function symbolOf(status: string): string {
  return SYMBOLS[status] ?? '•';
}

/** A status as words: "InProgress" → "In progress". */
export function statusWords(status: string): string {
  const spaced = status.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** A duration: "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A time as the browser's locale shows it ('' when absent). */
export function time(iso: string | undefined): string {
  if (iso === undefined) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** How long from `start` to `end` (or now), '' before it started. */
export function span(start: string | undefined, end: string | undefined, now = Date.now()): string {
  if (start === undefined) return '';
  const from = Date.parse(start);
  const to = end === undefined ? now : Date.parse(end);
  return Number.isNaN(from) || Number.isNaN(to) ? '' : duration(Math.max(0, to - from));
}
