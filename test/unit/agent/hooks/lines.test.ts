import assert from 'node:assert/strict';
import { LineSplitter, TRUNCATED_MARKER } from '../../../../agent/src/hooks/lines.ts';

function split(chunks: Array<string | Buffer>, max = 100): string[] {
  const out: string[] = [];
  const s = new LineSplitter(max, (l) => out.push(l));
  for (const c of chunks) s.write(typeof c === 'string' ? Buffer.from(c) : c);
  s.end();
  return out;
}

describe('LineSplitter', () => {
  it('joins lines split across chunks', () => {
    assert.deepEqual(split(['he', 'llo\nwor', 'ld\n']), ['hello', 'world']);
  });

  it('emits the last line even without a trailing newline', () => {
    assert.deepEqual(split(['a\nb']), ['a', 'b']);
  });

  it('strips the \\r of CRLF line ends and keeps empty lines', () => {
    assert.deepEqual(split(['a\r\n\r\nb\r\n']), ['a', '', 'b']);
  });

  it('decodes a multi-byte character split between chunks', () => {
    const euro = Buffer.from('€\n');
    assert.deepEqual(split([euro.subarray(0, 1), euro.subarray(1)]), ['€']);
  });

  it('cuts an over-long line once, marks it, and resumes at the next line', () => {
    assert.deepEqual(split(['x'.repeat(60), 'x'.repeat(60), 'y'.repeat(60), '\nnext\n'], 50), [
      'x'.repeat(50) + TRUNCATED_MARKER,
      'next',
    ]);
  });

  it('cuts an over-long line that arrives in one chunk with its newline', () => {
    assert.deepEqual(split(['z'.repeat(80) + '\nok\n'], 50), ['z'.repeat(50) + TRUNCATED_MARKER, 'ok']);
  });
});
