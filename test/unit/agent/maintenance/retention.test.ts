import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pruneAllGroups, pruneGroup } from '../../../../agent/src/maintenance/retention.ts';

/** Creates deployment dirs d1..dn with mtimes one minute apart, d1 the oldest. */
async function makeDirs(groupDir: string, n: number): Promise<string[]> {
  const dirs: string[] = [];
  for (let i = 1; i <= n; i++) {
    const dir = path.join(groupDir, `d-${i}`);
    await fs.mkdir(path.join(dir, 'deployment-archive'), { recursive: true });
    await fs.writeFile(path.join(dir, 'deployment-archive', 'f'), 'x');
    const when = new Date(Date.UTC(2030, 0, 1, 0, i));
    await fs.utimes(dir, when, when);
    dirs.push(dir);
  }
  return dirs;
}

async function remaining(groupDir: string): Promise<string[]> {
  return (await fs.readdir(groupDir)).sort();
}

describe('revision retention', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'deckhand-retention-'));
  });
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('keeps the newest five deployment dirs of a group by default, the current one included', async () => {
    const dirs = await makeDirs(tmp, 8);
    await pruneGroup({ groupDir: tmp, keep: [dirs[7]] });
    assert.deepEqual(await remaining(tmp), ['d-4', 'd-5', 'd-6', 'd-7', 'd-8']);
  });

  it('never deletes the last successful dir, however old', async () => {
    const dirs = await makeDirs(tmp, 6);
    const deleted = await pruneGroup({ groupDir: tmp, keep: [dirs[5], dirs[0]], maxRevisions: 3 });
    assert.deepEqual(await remaining(tmp), ['d-1', 'd-5', 'd-6']);
    assert.equal(deleted.length, 3);
  });

  it('keeps both the current and the last successful dir with maxRevisions 1', async () => {
    const dirs = await makeDirs(tmp, 4);
    await pruneGroup({ groupDir: tmp, keep: [dirs[3], dirs[1]], maxRevisions: 1 });
    assert.deepEqual(await remaining(tmp), ['d-2', 'd-4']);
  });

  it('refuses a maxRevisions below 1 and deletes nothing', async () => {
    await makeDirs(tmp, 3);
    await assert.rejects(pruneGroup({ groupDir: tmp, keep: [], maxRevisions: 0 }), /maxRevisions must be an integer of at least 1, got 0/);
    assert.equal((await remaining(tmp)).length, 3);
  });

  it('prunes every group under the deployments dir with its own kept dirs', async () => {
    const a = await makeDirs(path.join(tmp, 'dg-a'), 3);
    await makeDirs(path.join(tmp, 'dg-b'), 3);
    await pruneAllGroups(tmp, (group) => (group === 'dg-a' ? [a[0]] : []), 1);
    assert.deepEqual(await remaining(path.join(tmp, 'dg-a')), ['d-1']);
    assert.deepEqual(await remaining(path.join(tmp, 'dg-b')), ['d-3']);
  });
});
