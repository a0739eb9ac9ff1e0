import assert from 'node:assert/strict';
import type { DeploymentStatus, DeploymentSummary, GridView } from '../../../../protocol/src/index.ts';
import { GridWatch, type GridMessage } from '../../../../coordinator/src/dashboard/grid-watch.ts';
import { LogFeed } from '../../../../coordinator/src/logs/feed.ts';

/** A grid source the test changes; counts its reads. */
class Source {
  reads = 0;
  status: DeploymentStatus = 'InProgress';
  install: 'InProgress' | 'Succeeded' = 'InProgress';
  gone = false;
  read = async (): Promise<GridView | undefined> => {
    this.reads += 1;
    if (this.gone) return undefined;
    return {
      deployment: { deploymentId: 'd-AAAAAAAAAA', status: this.status } as DeploymentSummary,
      events: ['Install'],
      hosts: [
        { id: 'i-1', hostname: 'a', status: 'InProgress', batch: 1, errorCode: null, message: null, cells: [this.install === 'Succeeded' ? 'S:10' : 'I'] },
        { id: 'i-2', hostname: 'b', status: 'InProgress', batch: 1, errorCode: null, message: null, cells: ['I'] },
      ],
    };
  };
}

function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

describe('GridWatch', () => {
  const fast = { pollMs: 20, minGapMs: 5, lingerMs: 30 };

  it('sends the whole grid first, then only the host that changed', async () => {
    const source = new Source();
    const watch = new GridWatch(source.read, new LogFeed(), () => undefined, fast);
    const got: GridMessage[] = [];
    const stop = watch.subscribe('d-AAAAAAAAAA', (m) => got.push(m));
    await until('the grid', () => got.length >= 1);
    assert.equal(got[0]?.type, 'grid');
    source.install = 'Succeeded';
    await until('a change', () => got.some((m) => m.type === 'hosts'));
    const change = got.find((m) => m.type === 'hosts');
    assert.deepEqual(change?.type === 'hosts' ? change.hosts.map((x) => x.id) : [], ['i-1']);
    stop();
  });

  it('shares one watcher between listeners of a deployment, and stops when the last leaves', async () => {
    const source = new Source();
    const watch = new GridWatch(source.read, new LogFeed(), () => undefined, { pollMs: 10_000, minGapMs: 5, lingerMs: 30 });
    const a: GridMessage[] = [];
    const b: GridMessage[] = [];
    const stopA = watch.subscribe('d-AAAAAAAAAA', (m) => a.push(m));
    await until('the first grid', () => a.length >= 1);
    const stopB = watch.subscribe('d-AAAAAAAAAA', (m) => b.push(m));
    // The second listener gets the grid the watcher already has, without another read.
    assert.equal(b[0]?.type, 'grid');
    assert.equal(source.reads, 1);
    assert.equal(watch.size, 1);
    stopA();
    assert.equal(watch.size, 1);
    stopB();
    assert.equal(watch.size, 0);
  });

  it('reads at once when woken by the feed instead of waiting for its poll', async () => {
    const source = new Source();
    const feed = new LogFeed();
    const watch = new GridWatch(source.read, feed, () => undefined, { pollMs: 60_000, minGapMs: 5, lingerMs: 30 });
    const got: GridMessage[] = [];
    const stop = watch.subscribe('d-AAAAAAAAAA', (m) => got.push(m));
    await until('the grid', () => got.length >= 1);
    await new Promise((r) => setTimeout(r, 20));
    source.install = 'Succeeded';
    feed.publish('d-AAAAAAAAAA');
    await until('the change after the wake-up', () => got.some((m) => m.type === 'hosts'), 1000);
    stop();
  });

  it('tells the deployment\'s new status, then ends once it is over', async () => {
    const source = new Source();
    const watch = new GridWatch(source.read, new LogFeed(), () => undefined, fast);
    const got: GridMessage[] = [];
    watch.subscribe('d-AAAAAAAAAA', (m) => got.push(m));
    await until('the grid', () => got.length >= 1);
    source.status = 'Succeeded';
    await until('the end', () => got.some((m) => m.type === 'end'));
    assert.ok(got.some((m) => m.type === 'deployment' && m.deployment.status === 'Succeeded'));
    assert.deepEqual(got[got.length - 1], { type: 'end', status: 'Succeeded' });
    await until('the watcher to go', () => watch.size === 0);
  });

  it('ends saying so when the deployment is gone', async () => {
    const source = new Source();
    source.gone = true;
    const watch = new GridWatch(source.read, new LogFeed(), () => undefined, fast);
    const got: GridMessage[] = [];
    watch.subscribe('d-AAAAAAAAAA', (m) => got.push(m));
    await until('the end', () => got.length >= 1);
    assert.deepEqual(got[0], { type: 'end', status: '', reason: 'the deployment is gone' });
  });
});
