import assert from 'node:assert/strict';
import { LogBuffer } from '../../../../coordinator/src/hub/log-buffer.ts';

const line = (text: string) => ({ instanceId: 'i-AAAAAAAA', lifecycleEvent: 'Install', at: '2025-01-01T00:00:00.000Z', stream: 'stdout' as const, text });

describe('LogBuffer', () => {
  it('keeps only the newest lines of a deployment', () => {
    const buf = new LogBuffer(2, 5);
    buf.append('d-1111111', [line('a'), line('b'), line('c')]);
    assert.deepEqual(buf.lines('d-1111111').map((l) => l.text), ['b', 'c']);
  });

  it('forgets the least recently written deployment beyond the limit', () => {
    const buf = new LogBuffer(10, 2);
    buf.append('d-1111111', [line('a')]);
    buf.append('d-2222222', [line('b')]);
    buf.append('d-1111111', [line('c')]);
    buf.append('d-3333333', [line('d')]);
    assert.equal(buf.lines('d-2222222').length, 0);
    assert.equal(buf.lines('d-1111111').length, 2);
  });
});
