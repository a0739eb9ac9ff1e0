import assert from 'node:assert/strict';
import { openSqliteStore, type SqliteStore } from '../../../../../coordinator/src/store/sqlite/store.ts';

const AT = '2030-01-01T00:00:00.000Z';

describe('store/sqlite units of work', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = openSqliteStore(':memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it('runs units of work one after another, never interleaved (one connection)', async () => {
    const order: string[] = [];
    const first = store.transaction(async (tx) => {
      order.push('first starts');
      await tx.applications.insert({ name: 'a', createdAt: AT });
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('first ends');
    });
    const second = store.transaction(async (tx) => {
      order.push('second starts');
      await tx.applications.insert({ name: 'b', createdAt: AT });
      order.push('second ends');
    });
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first starts', 'first ends', 'second starts', 'second ends']);
  });
});
