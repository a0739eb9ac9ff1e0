import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZipArchive } from '../../../../agent/src/bundle/zip-archive.ts';

describe('ZipArchive', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-zipfile-'));
    file = path.join(dir, 'a.zip');
    fs.writeFileSync(file, Buffer.from('0123456789'.repeat(100_000)));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the bytes at a position, fewer only at the end of the file', async () => {
    const archive = await ZipArchive.open(file);
    assert.equal((await archive.readAt(4, 12)).toString(), '2345');
    assert.equal((await archive.readAt(10, 999_995)).toString(), '56789');
    await archive.close();
  });

  it('closes only after the reads in flight have finished, so none fails or lands on another file', async () => {
    const archive = await ZipArchive.open(file);
    const reads = Array.from({ length: 16 }, (_, i) => archive.readAt(50_000, i * 50_000));
    await archive.close();
    const bytes = await Promise.all(reads);
    assert.ok(bytes.every((b) => b.length === 50_000 && b.subarray(0, 10).toString() === '0123456789'));
  });

  it('serves yauzl small reads from its window and fails a read past the end', async () => {
    const archive = await ZipArchive.open(file);
    const reader = archive.reader();
    const buf = Buffer.alloc(3);
    await new Promise<void>((resolve, reject) => reader.read(buf, 0, 3, 7, (err) => (err ? reject(err) : resolve())));
    assert.equal(buf.toString(), '789');
    const past = new Promise<void>((resolve, reject) => reader.read(Buffer.alloc(8), 0, 8, 999_996, (err) => (err ? reject(err) : resolve())));
    await assert.rejects(past, /unexpected EOF/);
    await archive.close();
  });
});
