import assert from 'node:assert/strict';
import type { Inventory } from '../../../../protocol/src/index.ts';
import { forEachStore } from './harness.ts';

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

forEachStore('store/instances', (current) => {
  const base = { instanceId: 'i-ABCDEFGH', hostname: 'web-1', publicKey: 'PEM', tags: { env: 'prod' }, registeredAt: AT };

  it('reads back an inserted instance with lastAppliedSeq 0 and no optional fields', async () => {
    const { store } = current();
    await store.instances.insert(base);
    assert.deepEqual(await store.instances.get(base.instanceId), { ...base, lastAppliedSeq: 0 });
  });

  it('records last seen, agent version and parsed inventory on touch', async () => {
    const { store } = current();
    await store.instances.insert(base);
    await store.instances.touch(base.instanceId, { lastSeen: AT, agentVersion: '0.1.0', inventory: INVENTORY });
    const row = await store.instances.get(base.instanceId);
    assert.equal(row?.lastSeen, AT);
    assert.equal(row?.agentVersion, '0.1.0');
    assert.deepEqual(row?.inventory, INVENTORY);
  });

  it('keeps the stored inventory when a touch leaves it out', async () => {
    const { store } = current();
    await store.instances.insert(base);
    await store.instances.touch(base.instanceId, { lastSeen: AT, inventory: INVENTORY });
    await store.instances.touch(base.instanceId, { lastSeen: '2030-01-02T00:00:00.000Z' });
    assert.deepEqual((await store.instances.get(base.instanceId))?.inventory, INVENTORY);
  });

  it('lists instances in registration order', async () => {
    const { store } = current();
    await store.instances.insert({ ...base, instanceId: 'i-BBBBBBBB', registeredAt: '2030-01-02T00:00:00.000Z' });
    await store.instances.insert(base);
    assert.deepEqual((await store.instances.list()).map((i) => i.instanceId), ['i-ABCDEFGH', 'i-BBBBBBBB']);
  });

  it('moves the exactly-once cursor and reads it back as a number', async () => {
    const { store } = current();
    await store.instances.insert(base);
    await store.transaction((tx) => tx.instances.setLastAppliedSeq(base.instanceId, 2 ** 40));
    assert.equal(await store.instances.lastAppliedSeq(base.instanceId), 2 ** 40);
    assert.equal(await store.instances.lastAppliedSeq('i-UNKNOWN'), 0);
  });

  it('replaces tags, and says so only for a known instance', async () => {
    const { store } = current();
    await store.instances.insert(base);
    assert.equal(await store.instances.setTags(base.instanceId, { env: 'dev' }), true);
    assert.equal(await store.instances.setTags('i-UNKNOWN', { env: 'dev' }), false);
    assert.deepEqual((await store.instances.get(base.instanceId))?.tags, { env: 'dev' });
  });
});
