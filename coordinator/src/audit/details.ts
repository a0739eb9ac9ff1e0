/**
 * What of a request goes into its audit record: its route parameters, query and JSON body,
 * without anything secret (tokens, passwords, keys' private halves) and with long values cut, so
 * the log shows what was asked for and never becomes a way to read a secret.
 */

import { redactUrl } from '../../../common/src/redact-url.ts';

const SECRET_KEY = /token|secret|password|passphrase|private/i;
const MAX_STRING = 256;
const MAX_ITEMS = 50;
const MAX_DEPTH = 4;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function clean(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    // A URL's query may be a credential (a pre-signed URL's signature).
    const text = /^[a-z][a-z0-9+.-]*:\/\/\S+[?@]/i.test(value) ? redactUrl(value) : value;
    return text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}… (${text.length} chars)` : text;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => clean(v, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `… ${value.length - MAX_ITEMS} more`] : items;
  }
  if (isPlainObject(value)) return redact(value, depth + 1);
  return undefined; // streams, buffers: a bundle upload's bytes are not recorded
}

function redact(fields: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields).slice(0, MAX_ITEMS)) {
    if (SECRET_KEY.test(key)) continue;
    const cleaned = clean(value, depth);
    if (cleaned !== undefined) out[key] = cleaned;
  }
  return out;
}

/** The recordable fields of a request, grouped as `params`, `query` and `body` (empty ones left out). */
export function auditDetails(request: { params?: unknown; query?: unknown; body?: unknown }): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const part of ['params', 'query', 'body'] as const) {
    const value = request[part];
    if (!isPlainObject(value)) continue;
    const cleaned = redact(value, 0);
    if (Object.keys(cleaned).length > 0) details[part] = cleaned;
  }
  return details;
}
