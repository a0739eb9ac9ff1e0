/**
 * Requests from the agent to its coordinator (registration, deregistration, bundle downloads):
 * HTTPS verified against the CA pinned at registration when there is one (the system's CAs
 * otherwise), through the environment's proxy. A refusal becomes a DeckhandError carrying the
 * coordinator's own code and message.
 */
import { httpRequest, readText, type HttpRequestOptions, type HttpResponse } from '../../../common/src/http-request.ts';
import { explainTrustFailure, type PinnedCa } from '../../../common/src/tls-trust.ts';
import { ApiErrorBody } from '../../../protocol/src/agent-api.ts';
import { DeckhandError, type ErrorCode } from '../../../protocol/src/errors.ts';

/** The coordinator as the agent knows it. */
export interface CoordinatorEndpoint {
  /** Base URL, no trailing slash. */
  url: string;
  /** The CA pinned at registration, trusted alone for this coordinator. */
  pinnedCa?: PinnedCa;
  /** The agent's TLS client certificate, for a coordinator that requires one (--client-ca). */
  clientCertificate?: ClientCertificate;
}

/** A TLS client certificate and its key, PEM (agent.yml tlsClientCert / tlsClientKey). */
export interface ClientCertificate {
  cert: string;
  key: string;
}

/** The TLS part of a request to the coordinator: its pinned CA and the client certificate, if any. */
export function coordinatorTls(endpoint: CoordinatorEndpoint): { ca?: string[]; cert?: string; key?: string } {
  return {
    ...(endpoint.pinnedCa ? { ca: [endpoint.pinnedCa.pem] } : {}),
    ...(endpoint.clientCertificate ? { cert: endpoint.clientCertificate.cert, key: endpoint.clientCertificate.key } : {}),
  };
}

/** Codes of a certificate that did not verify (unknown CA, wrong name, dates). */
const TLS_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS_|ERR_SSL_/;

/**
 * Why the coordinator could not be reached, as one line: for a pinned coordinator that fails
 * the TLS check, both fingerprints (the pinned one and what it presents).
 */
export async function unreachableReason(endpoint: CoordinatorEndpoint, err: unknown): Promise<string> {
  const e = err as NodeJS.ErrnoException;
  if (endpoint.pinnedCa && typeof e.code === 'string' && TLS_FAILURE.test(e.code)) {
    return explainTrustFailure(endpoint.url, endpoint.pinnedCa, e);
  }
  return e instanceof Error ? e.message : String(err);
}

/** Sends one request to `endpoint` + `path`; a network or TLS failure becomes a DeckhandError saying why. */
export async function coordinatorRequest(endpoint: CoordinatorEndpoint, path: string, opts: HttpRequestOptions = {}): Promise<HttpResponse> {
  try {
    return await httpRequest(endpoint.url + path, { ...opts, ...coordinatorTls(endpoint) });
  } catch (err) {
    throw new DeckhandError('INTERNAL', `cannot reach the coordinator at ${endpoint.url}: ${await unreachableReason(endpoint, err)}`, { cause: err });
  }
}

/** Reads a refusal (non-2xx answer) as a DeckhandError: the coordinator's code and message when it sent its error shape. */
export async function refusalOf(res: HttpResponse, what: string): Promise<DeckhandError> {
  const text = await readText(res.body);
  let code: ErrorCode = res.status === 401 ? 'AUTH_FAILED' : 'INTERNAL';
  let detail = text.slice(0, 500) || res.statusText;
  try {
    const body = ApiErrorBody.parse(JSON.parse(text));
    code = body.error.code;
    detail = body.error.message;
  } catch {
    // Not our error shape (a proxy's page, say): the raw text is the best message there is.
  }
  return new DeckhandError(code, `the coordinator refused the ${what} (HTTP ${res.status}): ${detail}`);
}
