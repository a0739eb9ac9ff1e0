/**
 * The Prometheus HTTP API as checks use it: an instant query (POST /api/v1/query, form-encoded,
 * so a long query with many host names fits) and a range query (/api/v1/query_range). Answers
 * are `{status: "success", data: {resultType, result}}`; an error is `{status: "error",
 * errorType, error}` with a 4xx or 5xx status, reported as the measurement error it is.
 */
import { jsonOf, MeasureError, send, type CheckAnswer } from './request.ts';
import { redactUrl } from './redact.ts';

/** One series of an instant vector (or the scalar, with no labels). */
export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

/** One series of a range query: its values, and the time of each (seconds since the epoch). */
export interface PromSeries {
  labels: Record<string, string>;
  values: number[];
  times: number[];
}

/** Where and how to ask. */
export interface PromTarget {
  address: string;
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

interface PromAnswer {
  status?: unknown;
  error?: unknown;
  errorType?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

function endpoint(address: string, path: string): string {
  return `${address.replace(/\/+$/, '')}${path}`;
}

function dataOf(answer: CheckAnswer, address: string): { resultType: string; result: unknown } {
  const body = jsonOf(answer, `Prometheus at ${redactUrl(address)}`) as PromAnswer;
  if (body.status !== 'success') {
    const kind = typeof body.errorType === 'string' ? `${body.errorType}: ` : '';
    throw new MeasureError(`Prometheus at ${redactUrl(address)} answered ${answer.status}: ${kind}${typeof body.error === 'string' ? body.error : 'no error message'}`);
  }
  const resultType = body.data?.resultType;
  if (typeof resultType !== 'string') throw new MeasureError(`Prometheus at ${redactUrl(address)} answered without data.resultType`);
  return { resultType, result: body.data?.result };
}

function number(text: unknown): number {
  return typeof text === 'string' ? Number.parseFloat(text) : Number.NaN;
}

async function post(target: PromTarget, path: string, form: Record<string, string>): Promise<CheckAnswer> {
  return send({
    url: endpoint(target.address, path),
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...target.headers },
    body: new URLSearchParams(form).toString(),
    timeoutMs: target.timeoutMs,
    ...(target.signal ? { signal: target.signal } : {}),
  });
}

/** The instant query's samples; a scalar answer is one sample without labels. */
export async function instantQuery(target: PromTarget, query: string, at: Date): Promise<PromSample[]> {
  const { resultType, result } = dataOf(await post(target, '/api/v1/query', { query, time: (at.getTime() / 1000).toFixed(3) }), target.address);
  if (resultType === 'scalar' && Array.isArray(result)) return [{ labels: {}, value: number(result[1]) }];
  if (resultType !== 'vector' || !Array.isArray(result)) {
    throw new MeasureError(`the query returned a ${resultType}; a check needs an instant vector or a scalar`);
  }
  return (result as { metric?: Record<string, string>; value?: unknown[] }[]).map((r) => ({ labels: r.metric ?? {}, value: number(r.value?.[1]) }));
}

/** The range query's series over [from, to] every `stepSeconds`. */
export async function rangeQuery(target: PromTarget, query: string, from: Date, to: Date, stepSeconds: number): Promise<PromSeries[]> {
  const form = { query, start: (from.getTime() / 1000).toFixed(3), end: (to.getTime() / 1000).toFixed(3), step: String(stepSeconds) };
  const { resultType, result } = dataOf(await post(target, '/api/v1/query_range', form), target.address);
  if (resultType !== 'matrix' || !Array.isArray(result)) throw new MeasureError(`the range query returned a ${resultType}, not a matrix`);
  return (result as { metric?: Record<string, string>; values?: unknown[][] }[]).map((r) => ({
    labels: r.metric ?? {},
    values: (r.values ?? []).map((v) => number(v[1])),
    times: (r.values ?? []).map((v) => (typeof v[0] === 'number' ? v[0] : Number.NaN)),
  }));
}

/** A series' labels in PromQL's notation, for messages. */
export function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).filter(([k]) => k !== '__name__').map(([k, v]) => `${k}="${v}"`);
  return parts.length ? `{${parts.join(', ')}}` : '';
}
