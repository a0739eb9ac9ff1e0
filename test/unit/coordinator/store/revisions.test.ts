import assert from 'node:assert/strict';
import type { ApplicationRow } from '../../../../coordinator/src/store/applications.ts';
import { forEachStore } from './harness.ts';

const AT = '2030-01-01T00:00:00.000Z';
const SHA = 'a'.repeat(64);

forEachStore('store/revisions', (current) => {
  let app: ApplicationRow;
  beforeEach(async () => {
    app = await current().store.applications.insert({ name: 'web', createdAt: AT });
  });

  it('reads back a revision with its description', async () => {
    const { store } = current();
    const row = await store.revisions.insert({ applicationId: app.applicationId, sha256: SHA, size: 10, bundleType: 'tgz', description: 'v1', createdAt: AT });
    assert.deepEqual(await store.revisions.get(row.revisionId), row);
  });

  it('leaves description absent when none was given', async () => {
    const { store } = current();
    const row = await store.revisions.insert({ applicationId: app.applicationId, sha256: SHA, size: 10, bundleType: 'zip', createdAt: AT });
    const read = await store.revisions.get(row.revisionId);
    assert.equal(read !== undefined && 'description' in read, false);
  });

  it('keeps a size above 4 GiB exactly', async () => {
    const { store } = current();
    const row = await store.revisions.insert({ applicationId: app.applicationId, sha256: SHA, size: 5 * 2 ** 30, bundleType: 'tar', createdAt: AT });
    assert.equal((await store.revisions.get(row.revisionId))?.size, 5 * 2 ** 30);
  });

  it('lists the revisions of an application', async () => {
    const { store } = current();
    await store.revisions.insert({ applicationId: app.applicationId, sha256: SHA, size: 1, bundleType: 'tar', createdAt: AT });
    await store.revisions.insert({ applicationId: app.applicationId, sha256: SHA, size: 1, bundleType: 'tar', createdAt: AT });
    assert.equal((await store.revisions.list(app.applicationId)).length, 2);
  });
});
