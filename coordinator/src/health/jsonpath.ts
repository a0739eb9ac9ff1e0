/**
 * A small JSONPath subset for http checks' conditions: `$`, then any of `.name`, `['name']`,
 * `["name"]` and `[index]` (a negative index counts from the end). No filters, wildcards or
 * script expressions: a condition reads one value, and nothing in a check's definition is ever
 * evaluated as code (jsonpath-plus' eval was CVE-2024-21534, a remote code execution).
 */

/** One step of a path. */
export type PathStep = { key: string } | { index: number };

/** A parsed path, or why `text` is not one. */
export function parseJsonPath(text: string): { ok: true; steps: PathStep[] } | { ok: false; error: string } {
  if (!text.startsWith('$')) return { ok: false, error: `a path starts with $, got ${JSON.stringify(text)}` };
  const steps: PathStep[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    const dotted = /^\.([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(rest);
    const quoted = /^\[(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
    const indexed = /^\[(-?\d{1,9})\]/.exec(rest);
    if (dotted) steps.push({ key: dotted[1] ?? '' });
    else if (quoted) steps.push({ key: (quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1') });
    else if (indexed) steps.push({ index: Number(indexed[1]) });
    else return { ok: false, error: `unsupported path syntax at ${JSON.stringify(rest)} (use .name, ['name'] or [index])` };
    i += (dotted ?? quoted ?? indexed)?.[0].length ?? 1;
  }
  return { ok: true, steps };
}

/** The value at `steps` in `value`, or `found: false`. */
export function readJsonPath(value: unknown, steps: readonly PathStep[]): { found: true; value: unknown } | { found: false } {
  let current = value;
  for (const step of steps) {
    if ('key' in step) {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, step.key)) return { found: false };
      current = (current as Record<string, unknown>)[step.key];
    } else {
      if (!Array.isArray(current)) return { found: false };
      const at = step.index < 0 ? current.length + step.index : step.index;
      if (at < 0 || at >= current.length) return { found: false };
      current = current[at] as unknown;
    }
  }
  return { found: true, value: current };
}
