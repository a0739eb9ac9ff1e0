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
import type { HttpResponse } from '../../../common/src/http-request.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { loadIdentityKey } from '../identity/keys.ts';
import { signRequest } from '../identity/sign.ts';
import { Journal } from '../journal/journal.ts';
import type { StoredIdentity } from '../journal/types.ts';
import { coordinatorRequest, refusalOf } from '../transport/coordinator-http.ts';

/** Inputs of {@link deregisterInstance}. */
export interface DeregisterOptions {
  root: string;
  clock: Clock;
  /** How long to keep retrying a CONFLICT. */
  waitMs: number;
  /** @default 1000 */
  retryMs?: number;
}

/** The outcome: the instance that was removed, and whether the coordinator still knew it. */
export interface DeregisterResult {
  instanceId: string;
  alreadyGone: boolean;
}

/** Sends one signed DELETE to the coordinator the host registered with (its pinned CA, if any). */
async function sendDelete(opts: DeregisterOptions, identity: StoredIdentity): Promise<HttpResponse> {
  const privateKey = loadIdentityKey(opts.root);
  const urlPath = `/v1/instances/${encodeURIComponent(identity.instanceId)}`;
  const headers = signRequest({ instanceId: identity.instanceId, privateKey }, 'DELETE', urlPath, opts.clock.now());
  const endpoint = { url: identity.coordinatorUrl, ...(identity.pinnedCa ? { pinnedCa: identity.pinnedCa } : {}) };
  return coordinatorRequest(endpoint, urlPath, { method: 'DELETE', headers });
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
    const res = await sendDelete(opts, identity);
    if (res.status >= 200 && res.status < 300) {
      res.body.resume();
      return { instanceId: identity.instanceId, alreadyGone: false };
    }
    const err = await refusalOf(res, 'deregistration');
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
