import assert from 'node:assert/strict';
import { forEachStore } from './harness.ts';

const AT = '2030-01-01T00:00:00.000Z';

forEachStore('store units of work', (current) => {
  async function names(): Promise<string[]> {
    return (await current().store.applications.list()).map((a) => a.name);
  }

  it('commits what a unit of work wrote when it resolves', async () => {
    await current().store.transaction(async (tx) => {
      await tx.applications.insert({ name: 'shop', createdAt: AT });
    });
    assert.deepEqual(await names(), ['shop']);
  });

  it('undoes everything a unit of work wrote when it rejects, and passes the error on', async () => {
    await assert.rejects(
      current().store.transaction(async (tx) => {
        await tx.applications.insert({ name: 'shop', createdAt: AT });
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await names(), []);
  });

  it('shows a call on the store nothing of a unit of work that has not committed', async () => {
    let seen: string[] | undefined;
    const unit = current().store.transaction(async (tx) => {
      await tx.applications.insert({ name: 'shop', createdAt: AT });
      void names().then((n) => (seen = n));
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('rolled back');
    });
    await assert.rejects(unit, /rolled back/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(seen, []);
  });

  it('undoes only a failed savepoint and keeps the rest of the unit of work', async () => {
    await current().store.transaction(async (tx) => {
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
    const { store } = current();
    await store.applications.insert({ name: 'shop', createdAt: AT });
    await assert.rejects(store.applications.insert({ name: 'shop', createdAt: AT }), /already exists/);
  });

  it('reads one consistent view, changing nothing', async () => {
    const { store } = current();
    await store.applications.insert({ name: 'shop', createdAt: AT });
    const seen = await store.read(async (tx) => (await tx.applications.list()).map((a) => a.name));
    assert.deepEqual(seen, ['shop']);
  });

  it('closes once the running unit of work has finished', async () => {
    const { store } = current();
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
