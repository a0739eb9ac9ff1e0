import assert from 'node:assert/strict';
import { appendAudit, verifyAudit } from '../../../../coordinator/src/audit/log.ts';
import { forEachStore } from './harness.ts';

const AT = '2030-01-01T00:00:00.000Z';

forEachStore('store: the audit log and used nonces', (current) => {
  it('keeps one unbroken chain when several coordinators append at once', async () => {
    const { store } = current();
    await Promise.all(Array.from({ length: 12 }, (_, i) => appendAudit(store, { at: AT, actor: `node-${i % 3}`, action: 'POST /v1/deployments', details: { i }, outcome: '201' })));
    const check = await verifyAudit(store);
    assert.equal(check.ok, true, JSON.stringify(check.broken));
    assert.equal(check.records, 12);
    assert.deepEqual((await store.audit.list({})).map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('accepts a nonce once until it expires, and forgets expired ones', async () => {
    const { store } = current();
    assert.equal(await store.nonces.use('n-1', 2000, 1000), true);
    assert.equal(await store.nonces.use('n-1', 3000, 1500), false, 'a replay within its window');
    assert.equal(await store.nonces.use('n-1', 5000, 2500), true, 'the window is over');
    assert.equal(await store.nonces.prune(6000), 1);
  });
});
