import assert from 'node:assert/strict';
import { readBatches } from '../../../../agent/src/logs/scripts-log.ts';
import { formatLogTimestamp } from '../../../../agent/src/hooks/output.ts';
import { LOG_LINE_MAX_CHARS } from '../../../../protocol/src/wire.ts';

const T = formatLogTimestamp(new Date(2030, 0, 2, 3, 4, 5));

function file(...entries: string[]): Buffer {
  return Buffer.from(entries.map((e) => `${T} ${e}\n`).join(''));
}

describe('readBatches', function () {
  it('numbers each event\'s output lines from 1 and skips headers', function () {
    const chunk = file('LifecycleEvent - BeforeInstall', 'Script - a.sh', '[stdout]one', '[stderr]two', 'LifecycleEvent - AfterInstall', '[stdout]three');
    const { batches, position } = readBatches('d-DEPLOY01', chunk, { offset: 0, seqs: {} });
    assert.deepEqual(batches.map((b) => [b.body.lifecycleEvent, b.body.seq, b.body.lines.map((l) => `${l.stream}:${l.text}`)]), [
      ['BeforeInstall', 1, ['stdout:one', 'stderr:two']],
      ['AfterInstall', 1, ['stdout:three']],
    ]);
    assert.equal(position.offset, chunk.length);
    assert.deepEqual(position.seqs, { BeforeInstall: 2, AfterInstall: 1 });
    assert.equal(batches[0]?.body.lines[0]?.at, new Date(2030, 0, 2, 3, 4, 5).toISOString());
  });

  it('gives the same numbers when the same bytes are read again from a saved position', function () {
    const chunk = file('LifecycleEvent - AfterInstall', '[stdout]a', '[stdout]b', '[stdout]c');
    const first = readBatches('d-DEPLOY01', chunk, { offset: 0, seqs: {} });
    const mid = first.batches[0]!.end;
    const cut = readBatches('d-DEPLOY01', chunk.subarray(0, chunk.indexOf('b') + 2), { offset: 0, seqs: {} }).position;
    const again = readBatches('d-DEPLOY01', chunk.subarray(cut.offset), cut);
    assert.equal(mid.offset, chunk.length);
    assert.deepEqual(again.batches.map((b) => [b.body.seq, b.body.lines.map((l) => l.text)]), [[3, ['c']]]);
  });

  it('continues an event whose section starts again after a restart', function () {
    const chunk = file('LifecycleEvent - AfterInstall', '[stdout]a', 'LifecycleEvent - AfterInstall', '[stdout]b');
    const { batches } = readBatches('d-DEPLOY01', chunk, { offset: 0, seqs: {} });
    assert.deepEqual(batches.map((b) => b.body.seq), [1]);
    assert.deepEqual(batches[0]?.body.lines.map((l) => l.text), ['a', 'b']);
  });

  it('leaves a line without its newline for the next read', function () {
    const whole = file('LifecycleEvent - AfterInstall', '[stdout]a');
    const chunk = Buffer.concat([whole, Buffer.from(`${T} [stdout]partial`)]);
    const { batches, position } = readBatches('d-DEPLOY01', chunk, { offset: 10, seqs: {} });
    assert.equal(batches.length, 1);
    assert.equal(position.offset, 10 + whole.length);
  });

  it('starts a new frame at the line limit', function () {
    const lines = Array.from({ length: 1500 }, (_, i) => `[stdout]line ${i}`);
    const { batches } = readBatches('d-DEPLOY01', file('LifecycleEvent - AfterInstall', ...lines), { offset: 0, seqs: {} });
    assert.deepEqual(batches.map((b) => [b.body.seq, b.body.lines.length, b.lastSeq]), [[1, 1000, 1000], [1001, 500, 1500]]);
  });

  it('ignores output before any header and malformed entries', function () {
    const chunk = Buffer.from(`garbage\n${T} [stdout]orphan\n${T} LifecycleEvent - ApplicationStart\n${T} [stdout]kept\n`);
    const { batches } = readBatches('d-DEPLOY01', chunk, { offset: 0, seqs: {} });
    assert.deepEqual(batches.map((b) => b.body.lines.map((l) => l.text)), [['kept']]);
  });

  it('decodes each line\'s text, cuts it at the wire\'s limit, and gives each line its own stamp\'s time', function () {
    const later = formatLogTimestamp(new Date(2030, 0, 2, 3, 4, 6));
    const chunk = Buffer.concat([
      file('LifecycleEvent - AfterInstall', '[stdout]€ α', `[stderr]${'é'.repeat(LOG_LINE_MAX_CHARS + 5)}`),
      Buffer.from(`${later} [stdout]next second\n${later} LifecycleEvent - not an event!\n${later} [stdout]dropped\n`),
    ]);
    const { batches } = readBatches('d-DEPLOY01', chunk, { offset: 0, seqs: {} });
    const lines = batches.flatMap((b) => b.body.lines);
    assert.deepEqual(lines.map((l) => [l.stream, l.text.length]), [['stdout', 3], ['stderr', LOG_LINE_MAX_CHARS], ['stdout', 11]]);
    assert.equal(lines[0]?.text, '€ α');
    assert.equal(lines[1]?.text, 'é'.repeat(LOG_LINE_MAX_CHARS));
    assert.deepEqual(lines.map((l) => l.at), [0, 0, 1].map((s) => new Date(2030, 0, 2, 3, 4, 5 + s).toISOString()));
    assert.equal(batches[0]?.bytes, Buffer.byteLength('€ α') + 2 * LOG_LINE_MAX_CHARS + 'next second'.length);
  });
});
