import assert from 'node:assert/strict';
import { hasErrorCode } from '../../../../protocol/src/index.ts';
import { forEachStore } from './harness.ts';

const AT = '2030-01-01T00:00:00.000Z';

forEachStore('store/applications', (current) => {
  it('reads back an inserted application by id and by name', async () => {
    const { store } = current();
    const row = await store.applications.insert({ name: 'web', createdAt: AT });
    assert.match(row.applicationId, /^a-/);
    assert.deepEqual(await store.applications.get(row.applicationId), row);
    assert.deepEqual(await store.applications.getByName('web'), row);
  });

  it('refuses a second application with the same name as CONFLICT', async () => {
    const { store } = current();
    await store.applications.insert({ name: 'web', createdAt: AT });
    await assert.rejects(store.applications.insert({ name: 'web', createdAt: AT }), (err) => hasErrorCode(err, 'CONFLICT'));
  });

  it('refuses a duplicate name inside a unit of work and lets the unit of work go on', async () => {
    const { store } = current();
    await store.applications.insert({ name: 'web', createdAt: AT });
    await store.transaction(async (tx) => {
      await assert.rejects(tx.applications.insert({ name: 'web', createdAt: AT }), (err) => hasErrorCode(err, 'CONFLICT'));
      await tx.applications.insert({ name: 'api', createdAt: AT });
    });
    assert.deepEqual((await store.applications.list()).map((a) => a.name), ['api', 'web']);
  });

  it('lists applications by name, bytewise', async () => {
    const { store } = current();
    for (const name of ['zeta', 'alpha', 'Beta']) await store.applications.insert({ name, createdAt: AT });
    assert.deepEqual((await store.applications.list()).map((a) => a.name), ['Beta', 'alpha', 'zeta']);
  });

  it('returns undefined for an unknown name', async () => {
    assert.equal(await current().store.applications.getByName('nope'), undefined);
  });
});
