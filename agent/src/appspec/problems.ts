/**
 * Collects appspec problems with their key path and, when the YAML node can be found, its line.
 */
import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import { MAX_PROBLEMS } from './limits.ts';
import type { AppSpecProblem } from './types.ts';

/** A path of keys and list indexes into the appspec, e.g. `['hooks', 'AfterInstall', 0, 'timeout']`. */
export type KeyPath = ReadonlyArray<string | number>;

/** Renders a key path the way users read it: `hooks.AfterInstall[0].timeout`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? key : `.${key}`;
  }
  return out;
}

/** Problems found while validating one appspec document; the first {@link MAX_PROBLEMS} are kept. */
export class ProblemList {
  private readonly kept: AppSpecProblem[] = [];
  /** How many problems were found, kept or not. */
  count = 0;

  constructor(
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter | undefined,
  ) {}

  /** Records a problem at `path`; the line is that of the deepest node of the path that exists. */
  add(path: KeyPath, message: string, line?: number): void {
    this.count += 1;
    if (this.kept.length >= MAX_PROBLEMS) return;
    const problem: AppSpecProblem = { path: formatKeyPath(path), message };
    const at = line ?? this.lineOf(path);
    if (at !== undefined) problem.line = at;
    this.kept.push(problem);
  }

  /** The problems kept, and a last one counting those that were not. */
  get problems(): AppSpecProblem[] {
    const more = this.count - this.kept.length;
    return more === 0 ? [...this.kept] : [...this.kept, { path: '', message: `and ${more} more problems (only the first ${MAX_PROBLEMS} are listed)` }];
  }

  /** The YAML node at `path`, for checks that depend on how a value was written (e.g. octal). */
  node(path: KeyPath): unknown {
    return this.doc?.getIn(path, true);
  }

  private lineOf(path: KeyPath): number | undefined {
    if (this.doc === undefined || this.lines === undefined) return undefined;
    let current: unknown = this.doc.contents;
    let offset = rangeStart(current);
    for (const key of path) {
      const next = step(current, key);
      if (next === undefined) break;
      offset = next.offset ?? offset;
      current = next.node;
    }
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) && node.range ? node.range[0] : undefined;
}

/** Moves one key down the tree; the offset is the value's if it has one, else the key's. */
function step(node: unknown, key: string | number): { node: unknown; offset: number | undefined } | undefined {
  if (isSeq(node) && typeof key === 'number') {
    const item = node.items[key];
    return item === undefined ? undefined : { node: item, offset: rangeStart(item) };
  }
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
  if (pair === undefined) return undefined;
  return { node: pair.value, offset: rangeStart(pair.value) ?? rangeStart(pair.key) };
}

/** Ruby's `to_s` for the scalars an appspec may hold; `undefined` for null, lists and maps. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** True for a plain mapping (not a list, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
