import assert from 'node:assert/strict';
import { systemClock } from '../../../../common/src/clock.ts';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Inventory } from '../../../../protocol/src/index.ts';
import { basicInventory } from '../../../../agent/src/inventory/basic.ts';
import { collectInventory } from '../../../../agent/src/inventory/collect.ts';
import { InventoryRefresher } from '../../../../agent/src/inventory/refresh.ts';
import { removeDir, tempDir } from '../journal/fixtures.ts';

describe('inventory', () => {
  let root: string;
  beforeEach(() => {
    root = tempDir();
  });
  afterEach(() => removeDir(root));

  describe('#collectInventory', () => {
    it('produces a valid protocol Inventory with the free space of the root filesystem', async () => {
      const inventory = await collectInventory({ root, agentVersion: '1.2.3' });
      assert.deepEqual(Inventory.parse(inventory), inventory);
      assert.equal(inventory.agentVersion, '1.2.3');
      assert.equal(inventory.nodeVersion, process.version);
      assert.ok(inventory.diskFreeBytes > 0);
      assert.ok(!inventory.addresses.includes('127.0.0.1'));
    });
  });

  describe('InventoryRefresher', () => {
    it('publishes a fresh inventory every interval', async () => {
      const published: string[] = [];
      let n = 0;
      const refresher = new InventoryRefresher({
        clock: systemClock,
        logger: silentLogger(),
        collect: async () => ({ ...basicInventory({ root, agentVersion: '1' }), hostname: `h${++n}` }),
        publish: (inv) => published.push(inv.hostname),
        initial: basicInventory({ root, agentVersion: '1' }),
        intervalMs: 10,
      });
      await refresher.start();
      assert.equal(refresher.current().hostname, 'h1');
      await new Promise((resolve) => setTimeout(resolve, 60));
      refresher.stop();
      assert.ok(published.length >= 2);
      assert.equal(published[0], 'h2');
    });
  });
});
