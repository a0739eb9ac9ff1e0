/**
 * `deckhand-agent register`: make a key pair, present its public half and a registration token to
 * the coordinator, and journal the instance id it hands back.
 */
import {
  ApiErrorBody,
  DeckhandError,
  RegisterInstanceResponse,
  type ErrorCode,
  type Tags,
} from '../../../protocol/src/index.ts';
import type { Journal } from '../journal/journal.ts';
import type { StoredIdentity } from '../journal/types.ts';
import { generateIdentityKey, publicKeyPem } from './keys.ts';

/** Inputs of {@link registerInstance}. */
export interface RegisterOptions {
  /** Base URL of the coordinator, e.g. `http://127.0.0.1:8420`. */
  coordinatorUrl: string;
  token: string;
  root: string;
  hostname: string;
  /** @default {} */
  tags?: Tags;
  journal: Journal;
  /** @default the current time */
  now?: Date;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Normalizes a coordinator URL: http(s) only, no trailing slash. */
export function normalizeCoordinatorUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new DeckhandError('VALIDATION_FAILED', `--coordinator "${raw}" is not a URL`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeckhandError('VALIDATION_FAILED', `--coordinator must be an http:// or https:// URL, got "${raw}"`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** Turns a refusal into an error carrying the server's own message. */
async function refusal(res: Response): Promise<DeckhandError> {
  const text = await res.text();
  let code: ErrorCode = res.status === 401 ? 'AUTH_FAILED' : 'INTERNAL';
  let detail = text.slice(0, 500) || res.statusText;
  try {
    const body = ApiErrorBody.parse(JSON.parse(text));
    code = body.error.code;
    detail = body.error.message;
  } catch {
    // Not our error shape (a proxy's page, say): the raw text is the best message there is.
  }
  return new DeckhandError(code, `the coordinator refused the registration (HTTP ${res.status}): ${detail}`);
}

/** Registers this host and stores its identity in the journal. Throws DeckhandError on failure. */
export async function registerInstance(opts: RegisterOptions): Promise<StoredIdentity> {
  const existing = opts.journal.getIdentity();
  if (existing) {
    throw new DeckhandError(
      'CONFLICT',
      `this host is already registered as ${existing.instanceId} with ${existing.coordinatorUrl}; use a new --root to register again`,
    );
  }
  const coordinatorUrl = normalizeCoordinatorUrl(opts.coordinatorUrl);
  const privateKey = generateIdentityKey(opts.root);
  const request = {
    token: opts.token,
    publicKey: publicKeyPem(privateKey),
    hostname: opts.hostname,
    tags: opts.tags ?? {},
  };
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(`${coordinatorUrl}/v1/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
  } catch (err) {
    const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new DeckhandError('INTERNAL', `cannot reach the coordinator at ${coordinatorUrl}: ${reason}`, { cause: err });
  }
  if (res.status !== 201 && res.status !== 200) throw await refusal(res);
  const parsed = RegisterInstanceResponse.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) {
    throw new DeckhandError('INTERNAL', 'the coordinator answered the registration with an unexpected body');
  }
  const identity: StoredIdentity = {
    instanceId: parsed.data.instanceId,
    coordinatorUrl,
    hostname: opts.hostname,
    tags: parsed.data.tags,
    registeredAt: (opts.now ?? new Date()).toISOString(),
  };
  opts.journal.saveIdentity(identity);
  return identity;
}
