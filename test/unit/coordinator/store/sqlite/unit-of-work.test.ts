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

  async function names(): Promise<string[]> {
    return (await store.applications.list()).map((a) => a.name);
  }

  it('commits what a unit of work wrote when it resolves', async () => {
    await store.transaction(async (tx) => {
      await tx.applications.insert({ name: 'shop', createdAt: AT });
    });
    assert.deepEqual(await names(), ['shop']);
  });

  it('undoes everything a unit of work wrote when it rejects, and passes the error on', async () => {
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.applications.insert({ name: 'shop', createdAt: AT });
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await names(), []);
  });

  it('runs units of work one after another, never interleaved', async () => {
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

  it('makes a call on the store wait for the running unit of work, so it never reads what is not committed', async () => {
    let seen: string[] | undefined;
    const unit = store.transaction(async (tx) => {
      await tx.applications.insert({ name: 'shop', createdAt: AT });
      void names().then((n) => (seen = n));
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('rolled back');
    });
    await assert.rejects(unit, /rolled back/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, []);
  });

  it('undoes only a failed savepoint and keeps the rest of the unit of work', async () => {
    await store.transaction(async (tx) => {
      await tx.applications.insert({ name: 'kept', createdAt: AT });
      await assert.rejects(
        tx.savepoint(async () => {
          await tx.applications.insert({ name: 'undone', createdAt: AT });
          throw new Error('boom');
        }),
        /boom/,
      );
    });
    assert.deepEqual(await names(), ['kept']);
  });

  it('turns a refused statement into a rejection naming the conflict', async () => {
    await store.applications.insert({ name: 'shop', createdAt: AT });
    await assert.rejects(store.applications.insert({ name: 'shop', createdAt: AT }), /already exists/);
  });

  it('closes once the running unit of work has finished', async () => {
    let finished = false;
    const unit = store.transaction(async (tx) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await tx.applications.insert({ name: 'shop', createdAt: AT });
      finished = true;
    });
    await store.close();
    assert.equal(finished, true);
    assert.equal(store.open, false);
    await unit;
  });
});
