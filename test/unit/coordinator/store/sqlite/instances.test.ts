import assert from 'node:assert/strict';
import path from 'node:path';
import type { Inventory } from '../../../../../protocol/src/index.ts';
import { openDatabase, type Db } from '../../../../../coordinator/src/store/sqlite/db.ts';
import { getInstance, insertInstance, listInstances, touchInstance } from '../../../../../coordinator/src/store/sqlite/instances.ts';
import { tempDir } from '../../api/harness.ts';

const AT = '2030-01-01T00:00:00.000Z';
const INVENTORY: Inventory = {
  hostname: 'web-1',
  os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6.1' },
  arch: 'x64',
  cpus: 4,
  memoryBytes: 8e9,
  diskFreeBytes: 1e10,
  addresses: ['10.0.0.1'],
  agentVersion: '0.1.0',
  nodeVersion: 'v20.19.0',
};

describe('store/instances', () => {
  let db: Db;
  let remove: () => void;
  beforeEach(() => {
    const t = tempDir();
    remove = t.remove;
    db = openDatabase(path.join(t.dir, 'coordinator.db'));
  });
  afterEach(() => {
    db.close();
    remove();
  });

  const base = { instanceId: 'i-ABCDEFGH', hostname: 'web-1', publicKey: 'PEM', tags: { env: 'prod' }, registeredAt: AT };

  it('reads back an inserted instance with lastAppliedSeq 0 and no optional fields', () => {
    insertInstance(db, base);
    assert.deepEqual(getInstance(db, base.instanceId), { ...base, lastAppliedSeq: 0 });
  });

  it('records last seen, agent version and parsed inventory on touch', () => {
    insertInstance(db, base);
    touchInstance(db, base.instanceId, { lastSeen: AT, agentVersion: '0.1.0', inventory: INVENTORY });
    const row = getInstance(db, base.instanceId);
    assert.equal(row?.lastSeen, AT);
    assert.equal(row?.agentVersion, '0.1.0');
    assert.deepEqual(row?.inventory, INVENTORY);
  });

  it('keeps the stored inventory when a touch leaves it out', () => {
    insertInstance(db, base);
    touchInstance(db, base.instanceId, { lastSeen: AT, inventory: INVENTORY });
    touchInstance(db, base.instanceId, { lastSeen: '2030-01-02T00:00:00.000Z' });
    assert.deepEqual(getInstance(db, base.instanceId)?.inventory, INVENTORY);
  });

  it('lists instances in registration order', () => {
    insertInstance(db, { ...base, instanceId: 'i-BBBBBBBB', registeredAt: '2030-01-02T00:00:00.000Z' });
    insertInstance(db, base);
    assert.deepEqual(listInstances(db).map((i) => i.instanceId), ['i-ABCDEFGH', 'i-BBBBBBBB']);
  });
});
