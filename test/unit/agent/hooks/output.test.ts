import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../../../common/src/clock.ts';
import { systemClock } from '../../../../common/src/clock.ts';
import { EventOutput, formatLogTimestamp } from '../../../../agent/src/hooks/output.ts';
import { TRUNCATED_MARKER } from '../../../../agent/src/hooks/line-copier.ts';

const fixedClock: Clock = { ...systemClock, now: () => new Date(2024, 0, 2, 3, 4, 5) };
const T = '2024-01-02 03:04:05';

describe('EventOutput', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('formats timestamps as local YYYY-MM-DD HH:MM:SS', () => {
    assert.equal(formatLogTimestamp(new Date(2024, 0, 2, 3, 4, 5)), T);
  });

  it('appends headers and prefixed lines to the log with the timestamp', async () => {
    const logFile = path.join(dir, 'scripts.log');
    fs.writeFileSync(logFile, 'earlier\n');
    const errFile = path.join(dir, 'a.err');
    fs.writeFileSync(errFile, 'boom\n');
    const out = new EventOutput({ logFile, clock: fixedClock });
    out.header('LifecycleEvent - ApplicationStart');
    const follower = out.follow(errFile, 'stderr', 0);
    follower.finish();
    await follower.done;
    await out.close();
    assert.equal(fs.readFileSync(logFile, 'utf8'), `earlier\n${T} LifecycleEvent - ApplicationStart\n${T} [stderr]boom\n`);
    assert.equal(out.tail(), 'LifecycleEvent - ApplicationStart\n[stderr]boom');
  });

  it('follows a file while it grows, with small reads, and copies every line once, from a resume position', async () => {
    const logFile = path.join(dir, 'scripts.log');
    const file = path.join(dir, 'a.out');
    fs.writeFileSync(file, 'copied by an earlier agent\n');
    const start = fs.statSync(file).size;
    const positions: number[] = [];
    let outputs = 0;
    const out = new EventOutput({ logFile, clock: fixedClock, maxLineChars: 50, readBytes: 160, onOutput: () => outputs++ });
    const follower = out.follow(file, 'stdout', start, (p) => positions.push(p));
    const fd = fs.openSync(file, 'a');
    for (let i = 0; i < 300; i++) {
      // Lines written in two halves: a read may see half a line, which waits for its end.
      fs.writeSync(fd, `line ${i} `);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 60));
      fs.writeSync(fd, `${'x'.repeat(i % 40)}\n`);
    }
    fs.writeSync(fd, 'no newline at the end');
    fs.closeSync(fd);
    follower.finish();
    await follower.done;
    await out.close();
    const lines = fs.readFileSync(logFile, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 301);
    for (let i = 0; i < 300; i++) assert.equal(lines[i], `${T} [stdout]line ${i} ${'x'.repeat(i % 40)}`);
    assert.equal(lines[300], `${T} [stdout]no newline at the end`);
    assert.equal(positions.at(-1), fs.statSync(file).size);
    assert.ok(positions.every((p, i) => i === 0 || p > (positions[i - 1] ?? 0)), 'positions only move forward');
    assert.ok(outputs > 1, `told of output ${outputs} times`);
  });

  it('cuts over-long lines and tells each line to onLine', async () => {
    const logFile = path.join(dir, 'scripts.log');
    const file = path.join(dir, 'a.out');
    fs.writeFileSync(file, `${'y'.repeat(500)}\nafter\n`);
    const seen: string[] = [];
    const out = new EventOutput({ logFile, clock: fixedClock, maxLineChars: 50, readBytes: 160, onLine: (l) => seen.push(`${l.stream}:${l.text}`) });
    const follower = out.follow(file, 'stdout', 0);
    follower.finish();
    await follower.done;
    await out.close();
    assert.deepEqual(seen, [`stdout:${'y'.repeat(50)}${TRUNCATED_MARKER}`, 'stdout:after']);
    assert.equal(fs.readFileSync(logFile, 'utf8'), `${T} [stdout]${'y'.repeat(50)}${TRUNCATED_MARKER}\n${T} [stdout]after\n`);
  });

  it('stops without copying the rest when stopped', async () => {
    const logFile = path.join(dir, 'scripts.log');
    const file = path.join(dir, 'a.out');
    fs.writeFileSync(file, 'first\n');
    const out = new EventOutput({ logFile, clock: fixedClock });
    const follower = out.follow(file, 'stdout', 0);
    while (!fs.readFileSync(logFile, 'utf8').includes('first')) await new Promise((r) => setTimeout(r, 10));
    follower.stop();
    await follower.done;
    fs.appendFileSync(file, 'second\n');
    await new Promise((r) => setTimeout(r, 120));
    await out.close();
    assert.equal(fs.readFileSync(logFile, 'utf8'), `${T} [stdout]first\n`);
  });

  it('keeps working and reports the problem when the log cannot be written', async () => {
    const file = path.join(dir, 'a.out');
    fs.writeFileSync(file, 'still read\n');
    let copiedTo = 0;
    const out = new EventOutput({ logFile: path.join(dir, 'missing-dir', 'scripts.log'), clock: fixedClock });
    out.header('LifecycleEvent - X');
    const follower = out.follow(file, 'stdout', 0, (p) => {
      copiedTo = p;
    });
    follower.finish();
    await follower.done;
    await out.close();
    assert.match(out.problems().join('\n'), /could not write .*missing-dir.*scripts\.log/);
    assert.equal(out.tail(), 'LifecycleEvent - X\n[stdout]still read');
    assert.equal(copiedTo, 11, 'the output is consumed all the same');
  });

  it('ends a follow whose file does not exist', async () => {
    const out = new EventOutput({ logFile: path.join(dir, 'scripts.log'), clock: fixedClock });
    const follower = out.follow(path.join(dir, 'never-created.out'), 'stdout', 0);
    await follower.done;
    await out.close();
    assert.equal(out.tail(), '');
  });
});
