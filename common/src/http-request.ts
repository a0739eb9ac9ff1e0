/**
 * One HTTP(S) request with node:http/node:https, for the CLI and the agent. Not the global fetch:
 * it must take a pinned CA and a proxy agent per request (fetch needs the undici package for
 * either), and node:http's C parser starts in a fraction of the time undici's WebAssembly one
 * takes to compile, which is most of a short CLI command's run.
 */
import http, { type Agent, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { proxyAgentFor } from './proxy.ts';

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  /** @default "GET" */
  method?: string;
  headers?: Record<string, string>;
  /** The request body: text, bytes, or a stream of chunks (sent chunked). */
  body?: string | Uint8Array | AsyncIterable<Uint8Array>;
  signal?: AbortSignal;
  /** The only CAs trusted for https URLs (a pinned coordinator); the system's when absent. */
  ca?: readonly string[];
  /** A TLS client certificate and its key (PEM), for a coordinator that requires one (--client-ca). */
  cert?: string;
  key?: string;
  /**
   * The connection agent. @default a proxy agent when HTTPS_PROXY/HTTP_PROXY (and NO_PROXY) say
   * the URL goes through one, else none
   */
  agent?: Agent;
  /** Redirects followed for GET and HEAD. @default 5 */
  maxRedirects?: number;
}

/** An answer whose body has not been read yet. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The body stream; read or destroy it. */
  body: IncomingMessage;
}

/** Headers that name the caller, dropped when a redirect leaves the original origin. */
const CREDENTIAL_HEADERS = /^(authorization|cookie|x-deckhand-)/i;

/** How long a streamed body waits for 100 Continue before it is sent anyway (as curl does). */
const CONTINUE_WAIT_MS = 1000;

/**
 * Sends a streamed body once the server says go on (`Expect: 100-continue`), so a request the
 * server refuses (401, 403, 413) is answered before its bytes are sent rather than failing with
 * EPIPE halfway; a server that never answers 100 gets the body after a second.
 */
function sendStream(req: http.ClientRequest, body: AsyncIterable<Uint8Array>): void {
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    clearTimeout(timer);
    Readable.from(body).on('error', (err) => req.destroy(err)).pipe(req);
  };
  const timer = setTimeout(start, CONTINUE_WAIT_MS);
  req.once('continue', start);
  req.once('response', () => {
    if (started) return;
    // Answered without a go-ahead: the body is not wanted.
    started = true;
    clearTimeout(timer);
    req.end();
  });
  req.once('close', () => clearTimeout(timer));
}

function send(url: URL, opts: HttpRequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const agent = opts.agent ?? proxyAgentFor(url.href);
    const streamed = opts.body !== undefined && typeof opts.body !== 'string' && !(opts.body instanceof Uint8Array);
    const options: https.RequestOptions = {
      method: opts.method ?? 'GET',
      headers: streamed ? { expect: '100-continue', ...opts.headers } : (opts.headers ?? {}),
      ...(agent ? { agent } : {}),
      ...(secure && opts.ca ? { ca: [...opts.ca] } : {}),
      ...(secure && opts.cert && opts.key ? { cert: opts.cert, key: opts.key } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    const req = (secure ? https : http).request(url, options, resolve);
    req.on('error', reject);
    const body = opts.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
    else sendStream(req, body);
  });
}

/** Sends one request, following redirects of GET/HEAD; resolves once the answer's head arrives. */
export async function httpRequest(url: string, opts: HttpRequestOptions = {}): Promise<HttpResponse> {
  let target = new URL(url);
  let headers = opts.headers ?? {};
  const method = opts.method ?? 'GET';
  for (let redirects = 0; ; redirects++) {
    const res = await send(target, { ...opts, headers });
    const location = res.headers.location;
    const status = res.statusCode ?? 0;
    const follow = status >= 300 && status < 400 && location !== undefined && (method === 'GET' || method === 'HEAD');
    if (!follow || redirects >= (opts.maxRedirects ?? 5)) {
      return { status, statusText: res.statusMessage ?? '', headers: res.headers, body: res };
    }
    res.resume();
    const next = new URL(location, target);
    // A redirect to another origin (a pre-signed storage URL, say) must not carry our credentials.
    if (next.origin !== target.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !CREDENTIAL_HEADERS.test(k)));
    target = next;
  }
}

/** Reads a body to the end as UTF-8 text. */
export async function readText(body: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
