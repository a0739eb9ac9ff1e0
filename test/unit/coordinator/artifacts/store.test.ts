import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { hasErrorCode } from '../../../../protocol/src/index.ts';
import { ArtifactStore } from '../../../../coordinator/src/artifacts/store.ts';
import { tempDir } from '../api/harness.ts';

function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

describe('ArtifactStore', () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir()));
  afterEach(() => remove());

  it('stores bytes under sha256/<aa>/<sha> and reports hash and size', async () => {
    const store = new ArtifactStore({ root: path.join(dir, 'artifacts') });
    const bytes = randomBytes(100_000);
    const stored = await store.put(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]));
    assert.deepEqual(stored, { sha256: sha(bytes), size: bytes.length });
    assert.equal(store.path(stored.sha256), path.join(dir, 'artifacts', 'sha256', stored.sha256.slice(0, 2), stored.sha256));
    assert.deepEqual(fs.readFileSync(store.path(stored.sha256)), bytes);
    assert.equal(store.has(stored.sha256), true);
  });

  it('stores the same bytes once and leaves no temp files', async () => {
    const store = new ArtifactStore({ root: path.join(dir, 'artifacts') });
    const bytes = Buffer.from('same bundle');
    const a = await store.put(Readable.from([bytes]));
    const b = await store.put(Readable.from([bytes]));
    assert.equal(a.sha256, b.sha256);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'artifacts', 'sha256', a.sha256.slice(0, 2))), [a.sha256]);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'artifacts', 'tmp')), []);
  });

  it('refuses a bundle over the limit with BUNDLE_TOO_LARGE and keeps nothing', async () => {
    const store = new ArtifactStore({ root: path.join(dir, 'artifacts'), maxBytes: 10 });
    await assert.rejects(store.put(Readable.from([Buffer.alloc(6), Buffer.alloc(6)])), (err) => hasErrorCode(err, 'BUNDLE_TOO_LARGE'));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'artifacts', 'tmp')), []);
    assert.equal(fs.existsSync(path.join(dir, 'artifacts', 'sha256')), false);
  });

  it('accepts a bundle of exactly the limit', async () => {
    const store = new ArtifactStore({ root: path.join(dir, 'artifacts'), maxBytes: 10 });
    assert.equal((await store.put(Readable.from([Buffer.alloc(10)]))).size, 10);
  });

  it('reports has() false for an unknown hash', () => {
    const store = new ArtifactStore({ root: path.join(dir, 'artifacts') });
    assert.equal(store.has('b'.repeat(64)), false);
  });

  it('refuses a path for something that is not a sha256', () => {
    const store = new ArtifactStore({ root: path.join(dir, 'artifacts') });
    assert.throws(() => store.path('../../etc/passwd'), (err) => hasErrorCode(err, 'VALIDATION_FAILED'));
  });
});
