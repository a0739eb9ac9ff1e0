import assert from 'node:assert/strict';
import { LineCopier, TRUNCATED_MARKER } from '../../../../agent/src/hooks/line-copier.ts';
import { StampBytes } from '../../../../agent/src/hooks/log-format.ts';

const STAMP = '2024-01-02 03:04:05 ';

function copier(max = 50, onLine?: (text: string) => void): LineCopier {
  const c = new LineCopier('stdout', { maxLineChars: max, readBytes: 3 * max + 2, ...(onLine ? { onLine } : {}) });
  const stamp = new StampBytes();
  stamp.set(new Date(2024, 0, 2, 3, 4, 5));
  c.stamp(stamp);
  return c;
}

/** The entries in `c.out`, stamps checked and removed. */
function entries(c: LineCopier): string[] {
  const text = c.out.toString('utf8', 0, c.used);
  return text.split('\n').slice(0, -1).map((e) => {
    assert.ok(e.startsWith(STAMP), e);
    return e.slice(STAMP.length);
  });
}

describe('LineCopier', () => {
  it('copies complete lines and leaves a partial one for the next read', () => {
    const c = copier();
    const src = Buffer.from('one\ntwo\nthr');
    assert.equal(c.take(src, 0, src.length, false, false), 8);
    assert.deepEqual(entries(c), ['[stdout]one', '[stdout]two']);
    assert.equal(c.entries, 2);
  });

  it('takes an unterminated last line when nothing follows', () => {
    const c = copier();
    const src = Buffer.from('a\nb');
    assert.equal(c.take(src, 0, src.length, true, false), 3);
    assert.deepEqual(entries(c), ['[stdout]a', '[stdout]b']);
  });

  it('strips the \\r of CRLF line ends and keeps empty lines', () => {
    const c = copier();
    const src = Buffer.from('a\r\n\r\nb\r\n');
    c.take(src, 0, src.length, false, false);
    assert.deepEqual(entries(c), ['[stdout]a', '[stdout]', '[stdout]b']);
  });

  it('copies bytes as they are, multi-byte characters and invalid UTF-8 alike', () => {
    const c = copier();
    const src = Buffer.concat([Buffer.from('€ ok\n'), Buffer.from([0xff, 0xfe, 0x41, 0x0a])]);
    c.take(src, 0, src.length, false, false);
    const expected = Buffer.concat([Buffer.from(`${STAMP}[stdout]€ ok\n${STAMP}[stdout]`), Buffer.from([0xff, 0xfe, 0x41, 0x0a])]);
    assert.deepEqual(c.out.subarray(0, c.used), expected);
  });

  it('counts characters, not bytes, against the limit', () => {
    const c = copier(10);
    const src = Buffer.from(`${'€'.repeat(10)}\n${'€'.repeat(11)}\n`);
    c.take(src, 0, src.length, false, false);
    assert.deepEqual(entries(c), [`[stdout]${'€'.repeat(10)}`, `[stdout]${'€'.repeat(10)}${TRUNCATED_MARKER}`]);
  });

  it('cuts an over-long line that arrives with its newline', () => {
    const c = copier(50);
    const src = Buffer.from(`${'z'.repeat(80)}\nok\n`);
    c.take(src, 0, src.length, false, false);
    assert.deepEqual(entries(c), [`[stdout]${'z'.repeat(50)}${TRUNCATED_MARKER}`, '[stdout]ok']);
  });

  it('cuts a line with no newline in a whole read once, and discards the rest of it up to the next line', () => {
    const c = copier(50);
    const whole = Buffer.from('x'.repeat(152));
    assert.equal(c.take(whole, 0, whole.length, false, true), 152);
    const rest = Buffer.from(`${'y'.repeat(30)}\nnext\n`);
    assert.equal(c.take(rest, 0, rest.length, false, false), rest.length);
    assert.deepEqual(entries(c), [`[stdout]${'x'.repeat(50)}${TRUNCATED_MARKER}`, '[stdout]next']);
  });

  it('does not read past `end` in a reused buffer', () => {
    const c = copier();
    const src = Buffer.from('abc\nstale\n');
    assert.equal(c.take(src, 0, 6, false, false), 4);
    assert.deepEqual(entries(c), ['[stdout]abc']);
  });

  it('stops when its buffer is full and goes on once it is written', () => {
    const c = copier(50);
    const line = `${'w'.repeat(40)}\n`;
    const src = Buffer.from(line.repeat(100));
    const first = c.take(src, 0, src.length, false, false);
    assert.ok(first > 0 && first < src.length, `took ${first} of ${src.length}`);
    assert.equal(first % line.length, 0, 'whole lines only');
    const seen = entries(c).length;
    c.reset();
    let offset = first;
    while (offset < src.length) {
      offset += c.take(src, offset, src.length, false, false);
      c.reset();
    }
    assert.equal(seen, first / line.length);
  });

  it('decodes lines for a listener only when one is given', () => {
    const seen: string[] = [];
    const c = copier(50, (text) => seen.push(text));
    const src = Buffer.from('α\r\nβ\n');
    c.take(src, 0, src.length, false, false);
    assert.deepEqual(seen, ['α', 'β']);
  });

  it('refuses a read size that cannot hold a whole line', () => {
    assert.throws(() => new LineCopier('stderr', { maxLineChars: 100, readBytes: 200 }), /readBytes \(200\) must hold a whole line of maxLineChars \(100\)/);
  });
});
