import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../../../../../common/src/sqlite.ts';
import { backupStore, restoreStore, StoreCommandError } from '../../../../../coordinator/src/store/sqlite/backup.ts';
import { openGuardedSqliteStore } from '../../../../../coordinator/src/store/sqlite/guard.ts';
import type { SqliteStore } from '../../../../../coordinator/src/store/sqlite/store.ts';
import { damagePage, fileSha256 } from '../../../../support/damage.ts';
import { tempDir } from '../../api/harness.ts';

function addApplications(store: SqliteStore, from: number, count: number): void {
  const insert = store.db.prepare("INSERT INTO applications (application_id, name, created_at) VALUES (?, ?, 'x')");
  store.db.transaction(() => {
    for (let i = from; i < from + count; i++) insert.run(`a-${String(i).padStart(10, '0')}`, `app ${i}`);
  })();
}

async function rejection(promise: Promise<unknown>): Promise<StoreCommandError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StoreCommandError) return err;
    throw err;
  }
  assert.fail('the command succeeded');
}

describe('store/sqlite backup and restore (real store files)', () => {
  let dir: string;
  let remove: () => void;
  let file: string;
  let store: SqliteStore | undefined;
  beforeEach(() => {
    ({ dir, remove } = tempDir());
    file = path.join(dir, 'data', 'coordinator.db');
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    remove();
  });

  function openStore(): SqliteStore {
    mkdirSync(path.dirname(file), { recursive: true });
    store = openGuardedSqliteStore(file).store;
    return store;
  }

  it('copies a store that is open and written to, checked, as one self-contained file', async () => {
    const s = openStore();
    addApplications(s, 0, 500);
    const to = path.join(dir, 'backup.db');
    const copy = await backupStore(file, to);
    addApplications(s, 500, 10);
    assert.equal(copy.file, to);
    assert.equal(copy.counts.applications, 500);
    assert.equal(copy.storeId, readFileSync(path.join(dir, 'data', 'store-id'), 'utf8').trim());
    assert.ok(copy.bytes > 0);
    assert.deepEqual(readdirSync(dir).sort(), ['backup.db', 'data'], 'a temporary file or a WAL was left beside the backup');
    const db = openSqlite(to, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'delete');
    assert.deepEqual(db.pragma('quick_check'), [{ quick_check: 'ok' }]);
    assert.equal((db.prepare('SELECT count(*) AS n FROM applications').get() as { n: number }).n, 500);
    db.close();
  });

  it('never overwrites a file, and names a missing store or folder', async () => {
    openStore();
    const to = path.join(dir, 'backup.db');
    writeFileSync(to, 'keep me');
    assert.match((await rejection(backupStore(file, to))).message, /already exists: a backup never overwrites a file/);
    assert.equal(readFileSync(to, 'utf8'), 'keep me');
    assert.match((await rejection(backupStore(path.join(dir, 'nowhere.db'), path.join(dir, 'b2.db')))).message, /no coordinator store at .*nowhere\.db/);
    assert.match((await rejection(backupStore(file, path.join(dir, 'no', 'such', 'b.db')))).message, /the folder .*no\/such does not exist/);
  });

  it('refuses to restore while the store is open, and changes nothing', async () => {
    const s = openStore();
    addApplications(s, 0, 5);
    const backup = path.join(dir, 'backup.db');
    await backupStore(file, backup);
    addApplications(s, 5, 5);
    const before = readdirSync(path.dirname(file)).sort();
    const err = await rejection(restoreStore(backup, file));
    assert.match(err.message, /coordinator\.db is open in another process .*stop the coordinator, then restore/);
    assert.deepEqual(readdirSync(path.dirname(file)).sort(), before);
    assert.equal((s.db.prepare('SELECT count(*) AS n FROM applications').get() as { n: number }).n, 10);
  });

  it('restores a backup, keeps the replaced store, and the guard then opens the restored store', async () => {
    const s = openStore();
    addApplications(s, 0, 5);
    const backup = path.join(dir, 'backup.db');
    await backupStore(file, backup);
    addApplications(s, 5, 5);
    await s.close();
    store = undefined;
    const restored = await restoreStore(backup, file, new Date('2026-12-06T07:00:00Z'));
    assert.deepEqual(restored.replaced, [`${file}.replaced-20261206T070000Z`]);
    assert.equal(restored.counts.applications, 5);
    const kept = openSqlite(restored.replaced[0]!, { readonly: true });
    assert.equal((kept.prepare('SELECT count(*) AS n FROM applications').get() as { n: number }).n, 10);
    kept.close();
    const again = openGuardedSqliteStore(file);
    store = again.store;
    assert.equal(again.notes.storeId, restored.storeId);
    assert.equal((again.store.db.prepare('SELECT count(*) AS n FROM applications').get() as { n: number }).n, 5);
  });

  it("restores another coordinator's backup and points store-id at it", async () => {
    const s = openStore();
    const firstId = readFileSync(path.join(dir, 'data', 'store-id'), 'utf8').trim();
    await s.close();
    store = undefined;
    const otherFile = path.join(dir, 'other', 'coordinator.db');
    mkdirSync(path.dirname(otherFile));
    const other = openGuardedSqliteStore(otherFile);
    addApplications(other.store, 0, 3);
    await other.store.close();
    const restored = await restoreStore(otherFile, file);
    assert.notEqual(restored.storeId, firstId);
    assert.equal(readFileSync(path.join(dir, 'data', 'store-id'), 'utf8').trim(), other.notes.storeId);
    store = openGuardedSqliteStore(file).store;
  });

  it('refuses a damaged backup, a file that holds no store, and changes nothing', async () => {
    const s = openStore();
    addApplications(s, 0, 3000);
    const backup = path.join(dir, 'backup.db');
    await backupStore(file, backup);
    await s.close();
    store = undefined;
    const sha = fileSha256(file);
    const pages = Math.floor(readFileSync(backup).length / 4096);
    const damaged = path.join(dir, 'damaged.db');
    copyFileSync(backup, damaged);
    damagePage(damaged, pages - 1);
    assert.match((await rejection(restoreStore(damaged, file))).message, /the backup .*damaged\.db is damaged: /);
    const empty = path.join(dir, 'empty.db');
    openSqlite(empty).close();
    assert.match((await rejection(restoreStore(empty, file))).message, /is not a coordinator store backup: it holds no schema/);
    assert.match((await rejection(restoreStore(path.join(dir, 'none.db'), file))).message, /no backup at /);
    assert.equal(fileSha256(file), sha);
    assert.ok(!readdirSync(path.dirname(file)).some((f) => f.includes('replaced') || f.includes('restore')));
    assert.ok(existsSync(file));
  });
});
