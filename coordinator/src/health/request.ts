/**
 * One request of a check (http, prometheus, webhook, Alertmanager): a timeout, no redirect
 * followed (a check's 3xx is its answer), at most 1 MiB of answer read, credentials in the URL
 * sent as an Authorization header, and every error worded with the URL's credentials hidden.
 */
import { httpRequest } from '../../../common/src/http-request.ts';
import { redactUrl, splitCredentials } from './redact.ts';

/** The measurement could not be taken (unreachable, timed out, malformed answer): verdict Error. */
export class MeasureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeasureError';
  }
}

/** One request. */
export interface CheckRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Its answer: the status and (up to 1 MiB of) the body as text. */
export interface CheckAnswer {
  status: number;
  text: string;
}

const MAX_ANSWER_BYTES = 1024 * 1024;

function causeOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; name?: unknown } | null;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time';
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Sends the request; throws MeasureError when no answer could be read. */
export async function send(req: CheckRequest): Promise<CheckAnswer> {
  const shown = `${req.method} ${redactUrl(req.url)}`;
  let target: { url: string; authorization?: string };
  try {
    target = splitCredentials(req.url);
  } catch {
    throw new MeasureError(`${shown}: not a valid URL`);
  }
  const headers = { ...(target.authorization ? { authorization: target.authorization } : {}), ...req.headers };
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  try {
    const res = await httpRequest(target.url, { method: req.method, headers, maxRedirects: 0, signal, ...(req.body === undefined ? {} : { body: req.body }) });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > MAX_ANSWER_BYTES) {
        res.body.destroy();
        break;
      }
      chunks.push(b);
    }
    return { status: res.status, text: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    if (timeout.aborted) throw new MeasureError(`${shown}: no answer within ${req.timeoutMs / 1000} s`);
    throw new MeasureError(`${shown}: ${causeOf(err)}`);
  }
}

/** Parses an answer as JSON; throws MeasureError saying where it came from when it is not. */
export function jsonOf(answer: CheckAnswer, what: string): unknown {
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    throw new MeasureError(`${what} answered ${answer.status} with a body that is not JSON: ${JSON.stringify(answer.text.slice(0, 200))}`);
  }
}
