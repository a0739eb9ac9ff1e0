import assert from 'node:assert/strict';
import { hasErrorCode } from '../../../../../protocol/src/index.ts';
import { checkPostgresUrl, redactUrl } from '../../../../../coordinator/src/store/postgres/db.ts';
import { openPostgresStore } from '../../../../../coordinator/src/store/postgres/store.ts';
import { postgresMissing, sharedPostgres, type ThrowawayPostgres } from '../../../../support/postgres.ts';
import { skipForMissing } from '../../../../support/requirements.ts';
import { openTestStore, type TestStore } from '../harness.ts';

const AT = '2030-01-01T00:00:00.000Z';

describe('store/postgres URLs', () => {
  it('names what is wrong with a store URL and never shows its password', () => {
    for (const [url, why] of [
      ['mysql://u:s3cret@h/db', /must start with postgres:\/\//],
      ['postgres://u:s3cret@h', /names no database/],
      ['not a url', /not a URL/],
    ] as const) {
      assert.throws(() => checkPostgresUrl(url), (err) => hasErrorCode(err, 'VALIDATION_FAILED') && why.test((err as Error).message) && !(err as Error).message.includes('s3cret'));
    }
  });

  it('redacts the password of a URL', () => {
    assert.equal(redactUrl('postgres://deckhand:s3cret@db.example:5432/deckhand'), 'postgres://deckhand:***@db.example:5432/deckhand');
  });
});

describe('store/postgres', function () {
  let server: ThrowawayPostgres;
  let t: TestStore;
  before(async function () {
    const missing = postgresMissing();
    if (missing) skipForMissing(this, missing);
    server = await sharedPostgres();
  });
  beforeEach(async () => {
    t = await openTestStore('postgres');
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('runs the units of work of one process side by side', async () => {
    const order: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = t.store.transaction(async (tx) => {
      order.push('first starts');
      await tx.applications.insert({ name: 'a', createdAt: AT });
      await gate;
      order.push('first ends');
    });
    const second = t.store.transaction(async (tx) => {
      order.push('second starts');
      await tx.applications.insert({ name: 'b', createdAt: AT });
      order.push('second ends');
      release();
    });
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first starts', 'second starts', 'second ends', 'first ends']);
  });

  it('runs again a unit of work that PostgreSQL aborted for a deadlock, so both commit', async () => {
    let tries = 0;
    const both = (first: string, second: string) =>
      t.store.transaction(async (tx) => {
        tries += 1;
        await tx.instances.lastAppliedSeq(first);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await tx.instances.lastAppliedSeq(second);
      });
    await t.store.instances.insert({ instanceId: 'i-A', hostname: 'a', publicKey: 'k', tags: {}, registeredAt: AT });
    await t.store.instances.insert({ instanceId: 'i-B', hostname: 'b', publicKey: 'k', tags: {}, registeredAt: AT });
    await Promise.all([both('i-A', 'i-B'), both('i-B', 'i-A')]);
    assert.ok(tries >= 3, `one of the two ran again (${tries} runs)`);
  });

  it('runs a unit of work again whole when a savepoint in it deadlocks, even if the work caught the error', async () => {
    // As the hub applies a burst frame by frame: each frame in a savepoint, a frame's error caught and recorded.
    let tries = 0;
    const caught: string[] = [];
    const unit = (held: string, wanted: string) =>
      t.store.transaction(async (tx) => {
        tries += 1;
        await tx.instances.lastAppliedSeq(held);
        try {
          await tx.savepoint(async () => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            await tx.instances.lastAppliedSeq(wanted);
            await tx.instances.setLastAppliedSeq(held, 1);
          });
        } catch (err) {
          caught.push((err as { code?: string }).code ?? String(err));
        }
      });
    await t.store.instances.insert({ instanceId: 'i-A', hostname: 'a', publicKey: 'k', tags: {}, registeredAt: AT });
    await t.store.instances.insert({ instanceId: 'i-B', hostname: 'b', publicKey: 'k', tags: {}, registeredAt: AT });
    await Promise.all([unit('i-A', 'i-B'), unit('i-B', 'i-A')]);
    assert.ok(caught.includes('40P01'), `PostgreSQL saw a deadlock (${caught.join(', ')})`);
    assert.ok(tries >= 3, `the unit of work that lost ran again (${tries} runs)`);
    assert.equal(await t.store.instances.lastAppliedSeq('i-A'), 1);
    assert.equal(await t.store.instances.lastAppliedSeq('i-B'), 1);
  });

  it('applies a host cursor move once when two units of work race for it', async () => {
    await t.store.instances.insert({ instanceId: 'i-A', hostname: 'a', publicKey: 'k', tags: {}, registeredAt: AT });
    const moves: number[] = [];
    const apply = () =>
      t.store.transaction(async (tx) => {
        const seq = await tx.instances.lastAppliedSeq('i-A');
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (seq === 0) {
          moves.push(seq + 1);
          await tx.instances.setLastAppliedSeq('i-A', seq + 1);
        }
      });
    await Promise.all([apply(), apply()]);
    assert.deepEqual(moves, [1]);
  });

  it('gives the last use of a registration token to one of two registrations racing for it', async () => {
    const token = await t.store.tokens.insertRegistrationToken({ hash: 'h-dhr_z', expiresAt: AT, maxUses: 1, tags: {}, allowTagKeys: [], createdAt: AT });
    const use = () =>
      t.store.transaction(async (tx) => {
        await tx.tokens.countRegistrationTokenUse(token.tokenId);
        await new Promise((resolve) => setTimeout(resolve, 30));
      });
    const results = await Promise.allSettled([use(), use()]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.ok(results.some((r) => r.status === 'rejected' && hasErrorCode(r.reason, 'AUTH_FAILED')));
    assert.equal((await t.store.tokens.findRegistrationToken(['h-dhr_z']))?.uses, 1);
  });

  it('migrates an empty database once when several coordinators start on it together', async () => {
    const name = await server.createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(server.url(name), { max: 2 })));
    try {
      assert.deepEqual(await stores[0]!.applications.list(), []);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await server.admin(`DROP DATABASE ${name}`);
    }
  });

  it('refuses a database migrated by a newer coordinator, naming both versions', async () => {
    await t.run(`UPDATE deckhand_schema SET version = 999 WHERE track = 'store'`);
    const url = server.url((await t.get<DbName>('SELECT current_database() AS name'))!.name);
    await assert.rejects(openPostgresStore(url, { max: 1 }), /version 999, newer than this coordinator knows \(\d+\)/);
  });

  it('says which database it could not open without its password', async () => {
    const url = server.url('no_such_database');
    await assert.rejects(openPostgresStore(url, { max: 1 }), (err: Error) => /no_such_database/.test(err.message) && !err.message.includes(server.password));
  });
});

interface DbName {
  name: string;
}
