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

  it('pauses the stream while the log file is behind and still writes every line', async () => {
    const logFile = path.join(dir, 'scripts.log');
    const out = new EventOutput({ logFile, clock: fixedClock, maxQueuedBytes: 1000 });
    const stream = new PassThrough({ highWaterMark: 200 });
    let pausedSeen = false;
    stream.on('pause', () => {
      pausedSeen = true;
    });
    const done = out.capture(stream, 'stdout');
    for (let i = 0; i < 2000; i++) {
      if (!stream.write(`line ${i} ${'x'.repeat(100)}\n`)) await new Promise((r) => stream.once('drain', r));
    }
    stream.end();
    await done;
    await out.close();
    assert.ok(pausedSeen, 'the stream was paused at least once');
    const lines = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 2000);
    assert.equal(lines[1999], `2024-01-02 03:04:05 [stdout]line 1999 ${'x'.repeat(100)}`);
    assert.deepEqual(out.problems(), []);
  });

  it('keeps working and reports the problem when the log cannot be written', async () => {
    const out = new EventOutput({ logFile: path.join(dir, 'missing-dir', 'scripts.log'), clock: fixedClock });
    out.header('LifecycleEvent - X');
    await out.close();
    assert.match(out.problems().join('\n'), /could not write/);
    assert.equal(out.tail(), 'LifecycleEvent - X');
  });
});
