import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sha256File } from '../../../../agent/src/bundle/verify.ts';

describe('sha256File', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('returns the lowercase hex sha256 of the file', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024, 7);
    fs.writeFileSync(path.join(dir, 'f'), data);
    assert.equal(await sha256File(path.join(dir, 'f')), createHash('sha256').update(data).digest('hex'));
  });

  it('hashes an empty file', async () => {
    fs.writeFileSync(path.join(dir, 'e'), '');
    assert.equal(await sha256File(path.join(dir, 'e')), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
