import assert from 'node:assert/strict';
import type { DeploymentStatus, DeploymentSummary, GridHost, GridView } from '../../../../protocol/src/index.ts';
import type { GridPageQuery } from '../../../../coordinator/src/dashboard/grid-page.ts';
import { GridWatch, type GridMessage } from '../../../../coordinator/src/dashboard/grid-watch.ts';
import { LogFeed } from '../../../../coordinator/src/logs/feed.ts';

/** A grid source the test changes; counts its reads. */
class Source {
  reads = 0;
  status: DeploymentStatus = 'InProgress';
  install: 'InProgress' | 'Succeeded' = 'InProgress';
  gone = false;
  /** Page 2 holds one more host, i-3. */
  third: 'InProgress' | 'Succeeded' = 'InProgress';
  succeeded = 0;
  read = async (_id: string, query: GridPageQuery): Promise<GridView | undefined> => {
    this.reads += 1;
    if (this.gone) return undefined;
    const host = (id: string, cell: 'I' | 'S:10'): GridHost => ({ id, hostname: id, status: 'InProgress', batch: 1, errorCode: null, message: null, cells: [cell] });
    const hosts = query.page === 2
      ? [host('i-3', this.third === 'Succeeded' ? 'S:10' : 'I')]
      : [host('i-1', this.install === 'Succeeded' ? 'S:10' : 'I'), host('i-2', 'I')];
    return {
      deployment: { deploymentId: 'd-AAAAAAAAAA', status: this.status } as DeploymentSummary,
      events: ['Install'],
      hosts,
      counts: { InProgress: 3 - this.succeeded, ...(this.succeeded > 0 ? { Succeeded: this.succeeded } : {}) },
      status: null, shown: 3, page: query.page, pages: 2, pageSize: 2, grouped: false,
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

const FIRST: GridPageQuery = { page: 1 };

describe('GridWatch', () => {
  const fast = { pollMs: 20, minGapMs: 5, lingerMs: 30 };

  it('sends the whole grid first, then only the host that changed', async () => {
    const source = new Source();
    const watch = new GridWatch(source.read, new LogFeed(), () => undefined, fast);
    const got: GridMessage[] = [];
    const stop = watch.subscribe('d-AAAAAAAAAA', FIRST, (m) => got.push(m));
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
    const stopA = watch.subscribe('d-AAAAAAAAAA', FIRST, (m) => a.push(m));
    await until('the first grid', () => a.length >= 1);
    const stopB = watch.subscribe('d-AAAAAAAAAA', FIRST, (m) => b.push(m));
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
    const stop = watch.subscribe('d-AAAAAAAAAA', FIRST, (m) => got.push(m));
    await until('the grid', () => got.length >= 1);
    await new Promise((r) => setTimeout(r, 20));
    source.install = 'Succeeded';
    feed.publish('d-AAAAAAAAAA');
    await until('the change after the wake-up', () => got.some((m) => m.type === 'hosts'), 1000);
    stop();
  });

  it('follows each page on its own: a listener hears of its page\'s hosts only, and of the counts', async () => {
    const source = new Source();
    const watch = new GridWatch(source.read, new LogFeed(), () => undefined, fast);
    const first: GridMessage[] = [];
    const second: GridMessage[] = [];
    const stopFirst = watch.subscribe('d-AAAAAAAAAA', FIRST, (m) => first.push(m));
    const stopSecond = watch.subscribe('d-AAAAAAAAAA', { page: 2 }, (m) => second.push(m));
    await until('both pages', () => first.length >= 1 && second.length >= 1);
    assert.deepEqual(second[0]?.type === 'grid' ? second[0].grid.hosts.map((h) => h.id) : [], ['i-3']);
    assert.equal(watch.size, 1);
    source.third = 'Succeeded';
    source.succeeded = 1;
    await until('the change on page 2', () => second.some((m) => m.type === 'hosts'));
    await until('the counts on page 1', () => first.some((m) => m.type === 'counts'));
    assert.ok(!first.some((m) => m.type === 'hosts'), 'page 1 hears of no host of page 2');
    assert.deepEqual(first.find((m) => m.type === 'counts'), { type: 'counts', counts: { InProgress: 2, Succeeded: 1 }, shown: 3, pages: 2 });
    assert.deepEqual(watch.latest('d-AAAAAAAAAA', { page: 2 })?.hosts[0]?.cells, ['S:10']);
    stopSecond();
    assert.equal(watch.latest('d-AAAAAAAAAA', { page: 2 }), undefined);
    stopFirst();
    assert.equal(watch.size, 0);
  });

  it('tells the deployment\'s new status, then ends once it is over', async () => {
    const source = new Source();
    const watch = new GridWatch(source.read, new LogFeed(), () => undefined, fast);
    const got: GridMessage[] = [];
    watch.subscribe('d-AAAAAAAAAA', FIRST, (m) => got.push(m));
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
    watch.subscribe('d-AAAAAAAAAA', FIRST, (m) => got.push(m));
    await until('the end', () => got.length >= 1);
    assert.deepEqual(got[0], { type: 'end', status: '', reason: 'the deployment is gone' });
  });
});
