import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { deregisterInstance } from '../../../../agent/src/commands/deregister.ts';
import { generateIdentityKey, publicKeyPem } from '../../../../agent/src/identity/keys.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { getInstance, insertInstance } from '../../../../coordinator/src/store/sqlite/instances.ts';
import { startHarness, type Harness } from '../../coordinator/api/harness.ts';
import { removeDir, tempDir } from '../journal/fixtures.ts';

const ID = 'i-HOST000001';

describe('deckhand-agent deregister', function () {
  let h: Harness;
  let root: string;

  /** A host under `root` registered with the harness coordinator, listening on loopback. */
  beforeEach(async function () {
    h = await startHarness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    root = tempDir();
    const key = generateIdentityKey(root);
    insertInstance(h.db, { instanceId: ID, hostname: 'h', publicKey: publicKeyPem(key), tags: {}, registeredAt: h.clock.now().toISOString() });
    const journal = Journal.open(path.join(root, 'agent.db'));
    journal.saveIdentity({ instanceId: ID, coordinatorUrl: url, hostname: 'h', tags: {}, registeredAt: h.clock.now().toISOString() });
    journal.close();
  });
  afterEach(async function () {
    await h.close();
    removeDir(root);
  });

  it('removes the host from the coordinator with a request signed by its key', async function () {
    const result = await deregisterInstance({ root, clock: h.clock, waitMs: 0 });
    assert.deepEqual(result, { instanceId: ID, alreadyGone: false });
    assert.equal(getInstance(h.db, ID), undefined);
  });

  it('counts a host the coordinator no longer knows as deregistered', async function () {
    await deregisterInstance({ root, clock: h.clock, waitMs: 0 });
    const again = await deregisterInstance({ root, clock: h.clock, waitMs: 0 });
    assert.equal(again.alreadyGone, true);
  });

  it('retries while the agent is still connected, and succeeds once it is gone', async function () {
    h.connected.add(ID);
    setTimeout(() => h.connected.delete(ID), 150);
    // The harness's time (for signatures), with timers that really fire (for the retries).
    const clock = { ...systemClock, now: () => h.clock.now() };
    const result = await deregisterInstance({ root, clock, waitMs: 60_000, retryMs: 50 });
    assert.equal(result.alreadyGone, false);
  });

  it('gives up with the coordinator\'s reason when the conflict outlasts the wait', async function () {
    h.connected.add(ID);
    await assert.rejects(deregisterInstance({ root, clock: h.clock, waitMs: 0 }), /HTTP 409.*is connected/);
    assert.ok(getInstance(h.db, ID));
  });

  it('refuses a root where no host is registered', async function () {
    const empty = tempDir();
    try {
      await assert.rejects(deregisterInstance({ root: empty, clock: h.clock, waitMs: 0 }), /no host is registered under/);
    } finally {
      removeDir(empty);
    }
  });
});
