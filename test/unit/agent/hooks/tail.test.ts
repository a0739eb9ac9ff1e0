import assert from 'node:assert/strict';
import { TailBuffer } from '../../../../agent/src/hooks/tail.ts';

describe('TailBuffer', () => {
  it('keeps every line while under the limit', () => {
    const t = new TailBuffer(100);
    t.push('a');
    t.push('b');
    assert.equal(t.text(), 'a\nb');
  });

  it('drops whole lines from the front to stay within the limit', () => {
    const t = new TailBuffer(25);
    for (let i = 0; i < 10; i++) t.push(`line ${i}`);
    assert.equal(t.text(), 'line 7\nline 8\nline 9');
  });

  it('keeps the end of a single line longer than the limit', () => {
    const t = new TailBuffer(5);
    t.push('0123456789');
    assert.equal(t.text(), '56789');
  });

  it('stays within the limit after many lines', () => {
    const t = new TailBuffer(4096);
    for (let i = 0; i < 100_000; i++) t.push(`[stdout]line ${i}`);
    assert.ok(t.text().length <= 4096);
    assert.ok(t.text().endsWith('[stdout]line 99999'));
  });
});
