import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../../../../../common/src/sqlite.ts';
import { openDatabase } from '../../../../../coordinator/src/store/sqlite/db.ts';
import { openGuardedSqliteStore, StoreRefused } from '../../../../../coordinator/src/store/sqlite/guard.ts';
import { MIGRATIONS } from '../../../../../coordinator/src/store/sqlite/migrations.ts';
import { damagePage, fileSha256 } from '../../../../support/damage.ts';
import { tempDir } from '../../api/harness.ts';

/** A guarded store at `file` with `rows` applications in it, closed (WAL checkpointed). */
async function storeWithRows(file: string, rows: number): Promise<string> {
  const { store, notes } = openGuardedSqliteStore(file);
  const insert = store.db.prepare("INSERT INTO applications (application_id, name, created_at) VALUES (?, ?, '2026-01-01T00:00:00Z')");
  store.db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`a-${String(i).padStart(10, '0')}`, `application number ${i} with a longer name`);
  })();
  await store.close();
  return notes.storeId;
}

function refusal(fn: () => unknown): StoreRefused {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreRefused) return err;
    throw err;
  }
  assert.fail('the store was opened');
}

describe('store/sqlite guard: the store is checked before the coordinator uses it', () => {
  let dir: string;
  let remove: () => void;
  let file: string;
  beforeEach(() => {
    ({ dir, remove } = tempDir());
    file = path.join(dir, 'coordinator.db');
  });
  afterEach(() => remove());

  it('creates a new store with an id kept in the database and in store-id beside it, and opens it again', async () => {
    const id = await storeWithRows(file, 1);
    assert.match(id, /^st-[A-Z2-9]{16}$/);
    assert.equal(readFileSync(path.join(dir, 'store-id'), 'utf8').trim(), id);
    const again = openGuardedSqliteStore(file);
    assert.deepEqual([again.notes.storeId, again.notes.created], [id, false]);
    await again.store.close();
  });

  it('refuses a store with a damaged page, naming the file and the problems, keeps a copy and modifies nothing', async () => {
    await storeWithRows(file, 3000);
    const probe = openSqlite(file, { readonly: true });
    const pages = probe.pragma('page_count', { simple: true }) as number;
    probe.close();
    for (const part of ['-wal', '-shm']) rmSync(`${file}${part}`, { force: true });
    damagePage(file, pages - 1);
    const before = fileSha256(file);
    const refused = refusal(() => openGuardedSqliteStore(file));
    assert.equal(refused.reason, 'damaged');
    assert.match(refused.message, new RegExp(`the coordinator store ${file} is damaged`));
    assert.match(refused.message, /out of range|malformed|corrupt/i);
    assert.match(refused.message, /deckhand-coordinator restore --from BACKUP\.db --data-dir /);
    const copies = readdirSync(dir).filter((f) => f.startsWith('coordinator.db.damaged-'));
    assert.equal(copies.length, 1, readdirSync(dir).join(' '));
    assert.equal(fileSha256(path.join(dir, copies[0]!)), before);
    assert.equal(fileSha256(file), before);
    // A read-only connection leaves an empty WAL file (and its index) behind; nothing in them.
    assert.equal(existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0, 0, 'the check wrote to the WAL');
    // A second start (systemd, an operator retrying) keeps the one copy, not one per attempt.
    refusal(() => openGuardedSqliteStore(file));
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('coordinator.db.damaged-')).length, 1);
  });

  it('keeps the WAL with the copy of a damaged store that was not closed cleanly', async () => {
    const live = path.join(dir, 'live', 'coordinator.db');
    mkdirSync(path.dirname(live));
    await storeWithRows(live, 3000);
    const { store } = openGuardedSqliteStore(live);
    store.db.pragma('wal_autocheckpoint = 0');
    store.db.prepare("INSERT INTO applications (application_id, name, created_at) VALUES ('a-LATEST0001', 'in the WAL only', 'x')").run();
    // What a crash leaves: the database and a WAL holding the last commit, copied while open.
    for (const part of ['', '-wal', '-shm']) copyFileSync(`${live}${part}`, `${file}${part}`);
    copyFileSync(path.join(dir, 'live', 'store-id'), path.join(dir, 'store-id'));
    await store.close();
    const wal = fileSha256(`${file}-wal`);
    const probe = openSqlite(file, { readonly: true });
    const root = (probe.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'applications'").get() as { rootpage: number }).rootpage;
    probe.close();
    damagePage(file, root);
    assert.equal(refusal(() => openGuardedSqliteStore(file)).reason, 'damaged');
    const walCopy = readdirSync(dir).find((f) => f.startsWith('coordinator.db-wal.damaged-'));
    assert.ok(walCopy, readdirSync(dir).join(' '));
    assert.equal(fileSha256(path.join(dir, walCopy)), wal);
    assert.equal(fileSha256(`${file}-wal`), wal);
  });

  it('with skipPageCheck, opens a store whose damage is in its pages, and still checks its identity', async () => {
    await storeWithRows(file, 3000);
    const probe = openSqlite(file, { readonly: true });
    const pages = probe.pragma('page_count', { simple: true }) as number;
    probe.close();
    for (const part of ['-wal', '-shm']) rmSync(`${file}${part}`, { force: true });
    damagePage(file, pages - 1);
    assert.equal(refusal(() => openGuardedSqliteStore(file)).reason, 'damaged');
    const { store } = openGuardedSqliteStore(file, { skipPageCheck: true });
    await store.close();
    writeFileSync(path.join(dir, 'store-id'), 'st-SOMEOTHERSTORE00\n');
    assert.equal(refusal(() => openGuardedSqliteStore(file, { skipPageCheck: true })).reason, 'replaced');
  });

  it('refuses a store file that is not a database at all', () => {
    writeFileSync(file, 'this is not SQLite, just some text that happens to be long enough to have a header'.repeat(100));
    const refused = refusal(() => openGuardedSqliteStore(file));
    assert.equal(refused.reason, 'damaged');
    assert.match(refused.message, /SQLITE_NOTADB/);
  });

  it('refuses a store replaced by an empty one, and starts on it with acceptNewStore under a new id', async () => {
    const id = await storeWithRows(file, 5);
    rmSync(file);
    writeFileSync(file, '');
    const refused = refusal(() => openGuardedSqliteStore(file));
    assert.equal(refused.reason, 'empty');
    assert.match(refused.message, new RegExp(`${file} is empty, but .*store-id says store ${id} lived here`));
    assert.match(refused.message, /--accept-new-store/);
    assert.equal(readFileSync(path.join(dir, 'store-id'), 'utf8').trim(), id, 'the refusal changed the marker');
    const { store, notes } = openGuardedSqliteStore(file, { acceptNewStore: true });
    assert.notEqual(notes.storeId, id);
    assert.equal(notes.replacedStoreId, id);
    assert.equal(readFileSync(path.join(dir, 'store-id'), 'utf8').trim(), notes.storeId);
    await store.close();
  });

  it('refuses to start empty when the store is gone but store-id remains', async () => {
    const id = await storeWithRows(file, 5);
    rmSync(file);
    const refused = refusal(() => openGuardedSqliteStore(file));
    assert.equal(refused.reason, 'missing');
    assert.match(refused.message, new RegExp(`${file} is missing, but .*store ${id}`));
    assert.ok(!existsSync(file), 'the refusal created a store');
  });

  it("refuses another coordinator's store copied over this one", async () => {
    await storeWithRows(file, 5);
    const other = path.join(dir, 'other', 'coordinator.db');
    mkdirSync(path.dirname(other));
    const otherId = await storeWithRows(other, 2);
    copyFileSync(other, file);
    const refused = refusal(() => openGuardedSqliteStore(file));
    assert.equal(refused.reason, 'replaced');
    assert.match(refused.message, new RegExp(`is store ${otherId}, but`));
  });

  it('keeps a copy of a store from an earlier schema before migrating it', async () => {
    const old = openDatabase(file, MIGRATIONS.slice(0, -1));
    old.prepare("INSERT INTO applications (application_id, name, created_at) VALUES ('a-OLD0000001', 'old', 'x')").run();
    old.close();
    const latest = MIGRATIONS.at(-1)!.version;
    const { store, notes } = openGuardedSqliteStore(file);
    await store.close();
    assert.equal(notes.preMigrationCopy, `${file}.before-v${latest}`);
    const copy = openSqlite(notes.preMigrationCopy!, { readonly: true });
    assert.equal(copy.pragma('user_version', { simple: true }), latest - 1);
    assert.deepEqual(copy.prepare('SELECT name FROM applications').all(), [{ name: 'old' }]);
    copy.close();
  });

  it('sets the synchronous mode it is asked for', async () => {
    for (const [mode, value] of [['NORMAL', 1], ['FULL', 2]] as const) {
      const { store } = openGuardedSqliteStore(file, { synchronous: mode });
      assert.equal(store.db.pragma('synchronous', { simple: true }), value);
      await store.close();
    }
  });
});
