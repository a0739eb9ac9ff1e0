import assert from 'node:assert/strict';
import { CoordinatorUrls } from '../../../../agent/src/transport/coordinator-urls.ts';

describe('CoordinatorUrls', () => {
  it('starts with the first coordinator and moves to the next in turn, then back to the first', () => {
    const urls = new CoordinatorUrls(['http://a', 'http://b', 'http://c']);
    assert.equal(urls.current(), 'http://a');
    assert.deepEqual([urls.rotate(), urls.rotate(), urls.rotate()], ['http://b', 'http://c', 'http://a']);
  });

  it('stays on the only coordinator there is', () => {
    const urls = new CoordinatorUrls(['http://a']);
    assert.equal(urls.rotate(), 'http://a');
  });

  it('refuses an empty list', () => {
    assert.throws(() => new CoordinatorUrls([]), /at least one/);
  });
});
