import assert from 'node:assert/strict';
import { HELLOS_AT_ONCE, HelloLane } from '../../../../coordinator/src/hub/hello-lane.ts';

/** A hello's work that lasts until it is released. */
function heldWork(log: string[], name: string): { work: () => Promise<void>; release: () => void } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  return {
    work: async () => {
      log.push(`${name} start`);
      await held;
      log.push(`${name} end`);
    },
    release,
  };
}

const fail = (err: unknown): never => {
  throw err;
};

describe('HelloLane', () => {
  it('runs a few hellos at once and starts the next one waiting as each ends', async () => {
    const lane = new HelloLane(2);
    const log: string[] = [];
    const hellos = ['a', 'b', 'c', 'd'].map((host) => ({ host, ...heldWork(log, host) }));
    for (const h of hellos) assert.equal(lane.tryGreet(h.host, h.work, fail), true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['a start', 'b start']);
    hellos[1]!.release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['a start', 'b start', 'b end', 'c start']);
    for (const h of hellos) h.release();
    await lane.settled();
    assert.deepEqual(log.filter((l) => l.endsWith('start')), ['a start', 'b start', 'c start', 'd start']);
    assert.equal(lane.busy, false);
  });

  it('holds the frames its host sends while its hello runs and runs them after it, in order', async () => {
    const lane = new HelloLane();
    const log: string[] = [];
    const hello = heldWork(log, 'hello');
    assert.equal(lane.tryGreet('a', hello.work, fail), true);
    assert.equal(
      lane.holds('a', () => log.push('event 1')),
      true,
    );
    assert.equal(
      lane.holds('a', () => log.push('event 2')),
      true,
    );
    assert.equal(
      lane.holds('b', () => log.push('other host')),
      false,
      "another host's frames are not held",
    );
    hello.release();
    await lane.settled();
    assert.deepEqual(log, ['hello start', 'hello end', 'event 1', 'event 2']);
    assert.equal(
      lane.holds('a', () => undefined),
      false,
      'nothing is held once the hello is done',
    );
  });

  it('leaves the hello of a host with frames waiting in the bursts to the caller, until they are done', () => {
    const lane = new HelloLane();
    lane.enter('a');
    lane.enter('a');
    assert.equal(lane.tryGreet('a', async () => undefined, fail), false);
    lane.leave(['a']);
    assert.equal(lane.tryGreet('a', async () => undefined, fail), false, 'one frame still waits');
    lane.leave(['a']);
    assert.equal(lane.tryGreet('a', async () => undefined, fail), true);
  });

  it('reports a hello whose work failed and goes on', async () => {
    const lane = new HelloLane();
    const failures: unknown[] = [];
    const ran: string[] = [];
    lane.tryGreet(
      'a',
      async () => {
        throw new Error('store down');
      },
      (err) => failures.push(err),
    );
    lane.holds('a', () => ran.push('after'));
    await lane.settled();
    assert.deepEqual(
      failures.map((e) => (e as Error).message),
      ['store down'],
    );
    assert.deepEqual(ran, ['after']);
  });

  it('runs at most HELLOS_AT_ONCE hellos at once by default', async () => {
    const lane = new HelloLane();
    let running = 0;
    let most = 0;
    for (let i = 0; i < HELLOS_AT_ONCE * 3; i++) {
      lane.tryGreet(
        `h${i}`,
        async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setImmediate(resolve));
          running -= 1;
        },
        fail,
      );
    }
    await lane.settled();
    assert.equal(most, HELLOS_AT_ONCE);
  });
});
