import assert from 'node:assert/strict';
import path from 'node:path';
import { inventoryInChild } from '../../../../agent/src/inventory/child.ts';
import { Inventory } from '../../../../protocol/src/index.ts';
import { removeDir, tempDir } from '../journal/fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..', '..');
/** The agent from its sources, as the running agent starts itself again. */
const AGENT = { node: process.execPath, args: ['--import', 'tsx', path.join(ROOT, 'agent', 'src', 'main.ts')] };

describe('inventoryInChild', function () {
  this.timeout(60_000);
  let root: string;
  beforeEach(() => {
    root = tempDir();
  });
  afterEach(() => removeDir(root));

  it("gives systeminformation's facts of this host, collected by the agent in a child process", async function () {
    const inventory = await inventoryInChild(AGENT, { root, agentVersion: '1.2.3' })();
    assert.deepEqual(Inventory.parse(inventory), inventory);
    assert.equal(inventory.agentVersion, '1.2.3');
    assert.ok(inventory.diskFreeBytes > 0, 'the free space of the root filesystem is known');
    assert.notEqual(inventory.os.distro, '', 'the distribution is known (basicInventory leaves it empty)');
  });

  it('fails saying what went wrong when the child cannot collect', async function () {
    const broken = { node: process.execPath, args: ['-e', 'process.stderr.write("no such command"); process.exit(2)', '--'] };
    await assert.rejects(inventoryInChild(broken, { root, agentVersion: '1.2.3' })(), /collecting the inventory failed: no such command/);
  });

  it('refuses what the child printed when it is not an inventory, naming the field', async function () {
    const liar = { node: process.execPath, args: ['-e', 'console.log(JSON.stringify({ hostname: 5 }))', '--'] };
    await assert.rejects(inventoryInChild(liar, { root, agentVersion: '1.2.3' })(), /inventory printed an invalid inventory: hostname: /);
  });
});
