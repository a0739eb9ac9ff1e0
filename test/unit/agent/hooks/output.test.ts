import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Clock } from '../../../../common/src/clock.ts';
import { systemClock } from '../../../../common/src/clock.ts';
import { EventOutput, formatLogTimestamp } from '../../../../agent/src/hooks/output.ts';

const fixedClock: Clock = { ...systemClock, now: () => new Date(2024, 0, 2, 3, 4, 5) };

describe('EventOutput', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('formats timestamps as local YYYY-MM-DD HH:MM:SS', () => {
    assert.equal(formatLogTimestamp(new Date(2024, 0, 2, 3, 4, 5)), '2024-01-02 03:04:05');
  });

  it('appends headers and prefixed lines to the log with the timestamp', async () => {
    const logFile = path.join(dir, 'scripts.log');
    fs.writeFileSync(logFile, 'earlier\n');
    const out = new EventOutput({ logFile, clock: fixedClock });
    out.header('LifecycleEvent - ApplicationStart');
    const stream = new PassThrough();
    const done = out.capture(stream, 'stderr');
    stream.end('boom\n');
    await done;
    await out.close();
    assert.equal(
      fs.readFileSync(logFile, 'utf8'),
      'earlier\n2024-01-02 03:04:05 LifecycleEvent - ApplicationStart\n2024-01-02 03:04:05 [stderr]boom\n',
    );
    assert.equal(out.tail(), 'LifecycleEvent - ApplicationStart\n[stderr]boom');
  });

  it('drops lines instead of queueing without bound when the disk falls behind, and says so', async () => {
    const logFile = path.join(dir, 'scripts.log');
    const out = new EventOutput({ logFile, clock: fixedClock, maxQueuedBytes: 1000 });
    const stream = new PassThrough();
    const done = out.capture(stream, 'stdout');
    stream.end('x'.repeat(100).concat('\n').repeat(200));
    await done;
    await out.close();
    assert.match(out.problems().join('\n'), /output lines were not written/);
    assert.match(fs.readFileSync(logFile, 'utf8'), /\[deckhand\] \d+ lines dropped/);
  });

  it('keeps working and reports the problem when the log cannot be written', async () => {
    const out = new EventOutput({ logFile: path.join(dir, 'missing-dir', 'scripts.log'), clock: fixedClock });
    out.header('LifecycleEvent - X');
    await out.close();
    assert.match(out.problems().join('\n'), /could not write/);
    assert.equal(out.tail(), 'LifecycleEvent - X');
  });
});
