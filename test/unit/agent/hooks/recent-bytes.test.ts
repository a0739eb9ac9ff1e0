import assert from 'node:assert/strict';
import { RecentBytes } from '../../../../agent/src/hooks/recent-bytes.ts';

const STAMP = '2024-01-02 03:04:05 ';

describe('RecentBytes', () => {
  it('keeps every byte while under its size', () => {
    const r = new RecentBytes(64);
    r.push(Buffer.from('xxabcxx'), 2, 5);
    r.push(Buffer.from('def'), 0, 3);
    assert.deepEqual(r.contents(), { bytes: Buffer.from('abcdef'), fromStart: true });
  });

  it('keeps the last bytes across the ring\'s end and across one push larger than the ring', () => {
    const r = new RecentBytes(8);
    r.push(Buffer.from('0123456'), 0, 7);
    r.push(Buffer.from('789ab'), 0, 5);
    assert.deepEqual(r.contents(), { bytes: Buffer.from('456789ab'), fromStart: false });
    r.push(Buffer.from('ABCDEFGHIJKLM'), 0, 13);
    assert.equal(r.contents().bytes.toString(), 'FGHIJKLM');
  });

  it('reads the tail as entries without stamps, whole entries while they fit', () => {
    const r = new RecentBytes(1024);
    const log = `${STAMP}LifecycleEvent - X\n${STAMP}[stdout]aaa\n${STAMP}[stderr]bbbb\n`;
    r.push(Buffer.from(log), 0, log.length);
    assert.equal(r.tailText(1000), 'LifecycleEvent - X\n[stdout]aaa\n[stderr]bbbb');
    assert.equal(r.tailText(14), '[stderr]bbbb');
  });

  it('drops the entry the ring cut into', () => {
    const r = new RecentBytes(40);
    const log = `${STAMP}[stdout]first line\n${STAMP}[stdout]last\n`;
    r.push(Buffer.from(log), 0, log.length);
    assert.equal(r.tailText(4096), '[stdout]last');
  });
});
