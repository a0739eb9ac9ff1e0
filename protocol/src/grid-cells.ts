/**
 * The dashboard grid's cell, one short string per host and lifecycle event so a 10,000-host grid
 * stays about a megabyte: a status letter, then `:` and the duration in ms once the event has
 * ended, then `:` and the error code when there is one. `S:1250` succeeded in 1.25 s,
 * `F:500:ScriptFailed` failed, `I` runs. No dependency: the browser's bundle imports it.
 */

/** The letter of each lifecycle event status. */
export const CELL_CODES = { Pending: 'P', InProgress: 'I', Succeeded: 'S', Failed: 'F', Skipped: 'K', Unknown: 'U' } as const;

type CellStatus = keyof typeof CELL_CODES;

const BY_CODE: Readonly<Record<string, CellStatus>> = Object.fromEntries(Object.entries(CELL_CODES).map(([status, code]) => [code, status as CellStatus]));

/** A cell read back. */
export interface DecodedCell {
  status: CellStatus;
  durationMs: number | null;
  errorCode: string | null;
}

/** The cell of an event. */
export function encodeCell(status: CellStatus, durationMs?: number, errorCode?: string): string {
  const code = CELL_CODES[status];
  if (errorCode) return `${code}:${durationMs ?? ''}:${errorCode}`;
  return durationMs === undefined ? code : `${code}:${durationMs}`;
}

/** A cell's parts; an unknown letter reads as Unknown. */
export function decodeCell(cell: string): DecodedCell {
  const [code = '', ms = '', errorCode = ''] = cell.split(':', 3);
  return { status: BY_CODE[code] ?? 'Unknown', durationMs: ms === '' ? null : Number(ms), errorCode: errorCode === '' ? null : errorCode };
}
