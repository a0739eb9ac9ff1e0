/**
 * Terminal-safe text for every human-readable output of the CLI. Hostnames, tags, event
 * messages and log tails are written by hosts and hooks, not by the operator; printed raw, an
 * escape sequence in them can recolour, move the cursor, rewrite earlier lines or set the
 * window title, a CR or newline can fake a table row, and a bidi override can make text read
 * differently from what it is. Every control character (C0, DEL, C1: ESC, CSI, CR, newline,
 * tab), every bidi control and the Unicode line and paragraph separators are shown escaped
 * instead (`\x1b`, `\r`, `\u202e`), so the operator sees that they were there. JSON output
 * (--json) is never passed through here: it stays exact.
 *
 * Defends against terminal escape injection (CVE-2021-25743 in kubectl, CVE-2019-8325 in
 * RubyGems) and bidi spoofing (Trojan Source, CVE-2021-42574).
 */

const UNSAFE = /[\p{Cc}\p{Bidi_Control}\u2028\u2029]/gu;
const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escape(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` on one line, every control and bidi character escaped. */
export function sanitize(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * Multi-line text (a log tail, an error message) as safe lines: split at its newlines (a CRLF
 * counts as one), each line sanitized; the caller indents them so none can pass for a row.
 */
export function sanitizeLines(text: string): string[] {
  return text.split(/\r?\n/).map(sanitize);
}

/**
 * A template literal whose interpolated values are sanitized and whose literal text is kept:
 * safe`failed: ${hostname} ${message}`.
 */
export function safe(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += sanitize(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}
