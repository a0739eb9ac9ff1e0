/**
 * Plain-text tables: left-aligned columns separated by two spaces, header first. Every cell is
 * sanitized (sanitize.ts): a cell is one line, whatever a host put in it.
 */
import { sanitize } from './sanitize.ts';

/** Renders `rows` under `headers`, each column as wide as its widest cell. */
export function renderTable(headers: readonly string[], cells: readonly (readonly string[])[]): string {
  const rows = cells.map((r) => r.map(sanitize));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, i) => (cells[i] ?? '').padEnd(w))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
