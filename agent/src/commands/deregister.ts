/**
 * `deckhand-agent deregister --root DIR [--wait SECONDS]`: removes this host from the
 * coordinator with a request signed by its own key (`DELETE /v1/instances/:id`), as the
 * uninstaller does. A host the coordinator no longer knows counts as deregistered. While the
 * coordinator refuses with CONFLICT (the agent is still connected, or a deployment targets the
 * host) it retries until --wait runs out (default 15 s): a just-stopped agent's socket closes
 * within moments.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sleep, type Clock } from '../../../common/src/clock.ts';
import { ApiErrorBody, DeckhandError } from '../../../protocol/src/index.ts';
import { loadIdentityKey } from '../identity/keys.ts';
import { signRequest } from '../identity/sign.ts';
import { Journal } from '../journal/journal.ts';

/** Inputs of {@link deregisterInstance}. */
export interface DeregisterOptions {
  root: string;
  clock: Clock;
  /** How long to keep retrying a CONFLICT. */
  waitMs: number;
  /** @default 1000 */
  retryMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** The outcome: the instance that was removed, and whether the coordinator still knew it. */
export interface DeregisterResult {
  instanceId: string;
  alreadyGone: boolean;
}

async function errorOf(res: Response): Promise<DeckhandError> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): the raw text becomes the message below.
  }
  const parsed = ApiErrorBody.safeParse(body);
  const message = parsed.success ? parsed.data.error.message : text.slice(0, 300) || res.statusText;
  const code = parsed.success ? parsed.data.error.code : 'INTERNAL';
  return new DeckhandError(code, `the coordinator refused the deregistration (HTTP ${res.status}): ${message}`);
}

/** Sends one signed DELETE; resolves with the response. */
async function sendDelete(opts: DeregisterOptions, instanceId: string, coordinatorUrl: string): Promise<Response> {
  const privateKey = loadIdentityKey(opts.root);
  const urlPath = `/v1/instances/${encodeURIComponent(instanceId)}`;
  const headers = signRequest({ instanceId, privateKey }, 'DELETE', urlPath, opts.clock.now());
  try {
    return await (opts.fetch ?? fetch)(`${coordinatorUrl}${urlPath}`, { method: 'DELETE', headers });
  } catch (err) {
    const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new DeckhandError('INTERNAL', `cannot reach the coordinator at ${coordinatorUrl}: ${reason}`, { cause: err });
  }
}

/** Deregisters the host registered under `opts.root`. Throws DeckhandError when it cannot. */
export async function deregisterInstance(opts: DeregisterOptions): Promise<DeregisterResult> {
  const file = path.join(opts.root, 'agent.db');
  const journal = fs.existsSync(file) ? Journal.open(file) : undefined;
  const identity = journal?.getIdentity();
  journal?.close();
  if (!identity) throw new DeckhandError('NOT_FOUND', `no host is registered under ${opts.root}`);
  const deadline = opts.clock.now().getTime() + opts.waitMs;
  for (;;) {
    const res = await sendDelete(opts, identity.instanceId, identity.coordinatorUrl);
    if (res.ok) return { instanceId: identity.instanceId, alreadyGone: false };
    const err = await errorOf(res);
    // The coordinator cannot verify a signature from an instance it no longer has.
    if (res.status === 401 && /unknown instance/.test(err.message)) return { instanceId: identity.instanceId, alreadyGone: true };
    if (res.status !== 409 || opts.clock.now().getTime() >= deadline) throw err;
    await sleep(opts.clock, opts.retryMs ?? 1000);
  }
}

/** Runs deregister; resolves with the exit code. */
export async function deregisterCommand(argv: readonly string[], clock: Clock): Promise<number> {
  let root: string;
  let waitMs: number;
  try {
    const { values } = parseArgs({ args: [...argv], options: { root: { type: 'string' }, wait: { type: 'string' } }, strict: true });
    if (!values.root) throw new Error('--root is required');
    const wait = values.wait ?? '15';
    if (!/^\d{1,7}$/.test(wait)) throw new Error(`--wait must be a whole number of seconds, got "${wait}"`);
    root = path.resolve(values.root);
    waitMs = Number(wait) * 1000;
  } catch (err) {
    process.stderr.write(`deckhand-agent deregister: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const result = await deregisterInstance({ root, clock, waitMs });
    process.stdout.write(`${result.alreadyGone ? 'already deregistered' : 'deregistered'} ${result.instanceId}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof DeckhandError)) throw err;
    process.stderr.write(`deckhand-agent deregister: ${err.message}\n`);
    return 1;
  }
}
