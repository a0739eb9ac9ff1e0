/**
 * Check conditions, parsed when a check is created and evaluated on each answer:
 * - prometheus: `result OP NUMBER` (OP: < <= > >= == !=), held by every series of the answer;
 * - http: `PATH OP LITERAL` on the JSON answer, PATH a jsonpath.ts path, LITERAL a number, a
 *   double-quoted string, true, false or null (strings and the rest compare with == and != only).
 */
import { parseJsonPath, readJsonPath, type PathStep } from './jsonpath.ts';

const OPS = ['<=', '>=', '==', '!=', '<', '>'] as const;
type Op = (typeof OPS)[number];

/** A parsed condition on a number. */
export interface NumberCondition {
  op: Op;
  threshold: number;
}

/** A parsed condition on a JSON answer. */
export interface JsonCondition {
  path: PathStep[];
  pathText: string;
  op: Op;
  literal: string | number | boolean | null;
}

function splitOnOp(text: string): { left: string; op: Op; right: string } | undefined {
  // The first operator outside quotes; two-character operators are tried first at each place.
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) return { left: text.slice(0, i).trim(), op, right: text.slice(i + op.length).trim() };
  }
  return undefined;
}

/** Parses `result < 0.01`; an error says what is wrong. */
export function parseNumberCondition(text: string): { ok: true; condition: NumberCondition } | { ok: false; error: string } {
  const parts = splitOnOp(text);
  if (!parts || parts.left !== 'result') return { ok: false, error: `expected "result OP NUMBER" with OP one of ${OPS.join(' ')}, e.g. "result < 0.01"; got ${JSON.stringify(text)}` };
  const threshold = Number(parts.right);
  if (parts.right === '' || !Number.isFinite(threshold)) return { ok: false, error: `${JSON.stringify(parts.right)} is not a number` };
  return { ok: true, condition: { op: parts.op, threshold } };
}

function compare(a: number | string | boolean | null, op: Op, b: number | string | boolean | null): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return (a as number) < (b as number);
    case '<=':
      return (a as number) <= (b as number);
    case '>':
      return (a as number) > (b as number);
    case '>=':
      return (a as number) >= (b as number);
  }
}

/** True when `value` meets the condition. */
export function holds(value: number, c: NumberCondition): boolean {
  return compare(value, c.op, c.threshold);
}

/** The condition as written, for messages. */
export function describeNumberCondition(c: NumberCondition): string {
  return `${c.op} ${c.threshold}`;
}

function parseLiteral(text: string): { ok: true; value: string | number | boolean | null } | { ok: false } {
  if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
  if (text === 'null') return { ok: true, value: null };
  if (/^"(?:[^"\\]|\\.)*"$/.test(text)) {
    try {
      return { ok: true, value: JSON.parse(text) as string };
    } catch {
      return { ok: false };
    }
  }
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? { ok: true, value: n } : { ok: false };
}

/** Parses `$.status == "ok"`; an error says what is wrong. */
export function parseJsonCondition(text: string): { ok: true; condition: JsonCondition } | { ok: false; error: string } {
  const parts = splitOnOp(text);
  if (!parts) return { ok: false, error: `expected "PATH OP VALUE" with OP one of ${OPS.join(' ')}, e.g. '$.status == "ok"'; got ${JSON.stringify(text)}` };
  const path = parseJsonPath(parts.left);
  if (!path.ok) return { ok: false, error: path.error };
  const literal = parseLiteral(parts.right);
  if (!literal.ok) return { ok: false, error: `${JSON.stringify(parts.right)} is not a number, a "string", true, false or null` };
  if (typeof literal.value !== 'number' && parts.op !== '==' && parts.op !== '!=') return { ok: false, error: `${parts.op} compares numbers only` };
  return { ok: true, condition: { path: path.steps, pathText: parts.left, op: parts.op, literal: literal.value } };
}

/** What a JSON condition says of an answer: met, not met (Failed), or the path is not there (Inconclusive). */
export function checkJson(answer: unknown, c: JsonCondition): { result: 'met' | 'unmet' | 'missing'; message: string } {
  const read = readJsonPath(answer, c.path);
  const expected = `${c.pathText} ${c.op} ${JSON.stringify(c.literal)}`;
  if (!read.found) return { result: 'missing', message: `${c.pathText} is not in the answer (condition ${expected})` };
  const value = read.value;
  const comparable = value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  const met = comparable && (typeof c.literal !== 'number' || typeof value === 'number') && compare(value, c.op, c.literal);
  const shown = JSON.stringify(value)?.slice(0, 200) ?? String(value);
  return { result: met ? 'met' : 'unmet', message: met ? `${c.pathText} is ${shown} (${expected})` : `${c.pathText} is ${shown}, not ${c.op} ${JSON.stringify(c.literal)}` };
}
