import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { extractBundle, type ExtractLimits } from '../../../../agent/src/bundle/extract.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import { requireTmpfs, unmount } from '../../../support/tmpfs.ts';
import { deflatedZeros, makeZip, rawZip, setZipUncompressedSize, zerosZip } from './archives.ts';

const MiB = 1024 * 1024;

describe('extractBundle (zip bombs)', () => {
  let root: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-bomb-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  async function extract(bytes: Buffer, limits?: ExtractLimits, dir = root): Promise<void> {
    const file = path.join(dir, 'bundle.zip');
    fs.writeFileSync(file, bytes);
    await extractBundle({ file, type: 'zip', dest: path.join(dir, 'deploy', 'deployment-archive'), ...(limits === undefined ? {} : { limits }) });
  }

  /** Expects BUNDLE_TOO_LARGE with `words` in its message, and nothing left but the bundle. */
  async function refused(bytes: Buffer, words: RegExp, limits?: ExtractLimits, dir = root): Promise<void> {
    await assert.rejects(extract(bytes, limits, dir), (err: unknown) => {
      assert.ok(err instanceof DeckhandError, String(err));
      assert.equal(err.code, 'BUNDLE_TOO_LARGE', err.message);
      assert.match(err.message, words);
      return true;
    });
    assert.deepEqual(fs.readdirSync(path.join(dir, 'deploy')), [], 'nothing may be left next to dest');
  }

  it('refuses a 5 MB zip that declares 5 GiB before writing anything', async () => {
    const bomb = zerosZip(80, 64 * MiB);
    assert.ok(bomb.length < 6 * MiB, `the bomb is ${bomb.length} bytes`);
    await refused(bomb, /more than the limit/);
  });

  it('refuses a zip whose declared sizes add up to more than the byte limit, naming the entry that crosses it', async () => {
    const limits = { maxEntryRatio: Infinity, maxArchiveRatio: Infinity };
    await refused(zerosZip(80, 64 * MiB), /declares 4362076160 bytes unpacked, more than the limit of 4294967296 \(at entry "zeros-64"\)/, limits);
  });

  it('refuses a zip that declares more entries than the limit before reading them', async () => {
    await refused(zerosZip(5, 10), /declares 5 entries, more than the limit of 3/, { maxEntries: 3 });
  });

  it('refuses a zip whose entry unpacks to over 200 times its compressed size', async () => {
    // 256 MiB of zeros (ratio ~1000) hidden among incompressible bytes: the archive as a whole unpacks to ~60 times its size.
    const { data, crc32 } = deflatedZeros(256 * MiB);
    const noise = crypto.randomBytes(4 * MiB);
    const zip = rawZip([
      { name: 'noise.bin', data: noise, size: noise.length, crc32: zlib.crc32(noise), stored: true },
      { name: 'zeros.bin', data, size: 256 * MiB, crc32 },
    ]);
    await refused(zip, /a zip entry expands \d+ times \(268435456 bytes from \d+\), more than the limit of 200 \(at entry "zeros\.bin"\)/);
  });

  it('refuses a zip of small entries that unpacks to over 100 times its own size', async () => {
    // Each entry is under the per-entry check's 1 MiB floor; together they make 100 MiB from ~100 KB.
    await refused(zerosZip(200, MiB / 2), /the zip expands \d+ times \(104857600 bytes from a \d+-byte file\), more than the limit of 100/);
  });

  it('extracts entries that compress well while they stay under the ratio floors', async () => {
    await extract(zerosZip(10, MiB / 2));
    const dest = path.join(root, 'deploy', 'deployment-archive');
    assert.equal(fs.readdirSync(dest).length, 10);
    assert.equal(fs.statSync(path.join(dest, 'zeros-0')).size, MiB / 2);
  });

  it('refuses a streamed entry that inflates to more than its header declares', async () => {
    // 1 MB inflated, declared 300 KB: too big to be read whole, so it is streamed and counted on the way.
    const zip = setZipUncompressedSize(await makeZip([{ name: 'liar', body: 'x'.repeat(MiB) }]), 'liar', 300_000);
    await refused(zip, /inflates to more than the 300000 bytes it declares \(at entry "liar"\)/);
  });

  it('refuses a small entry that inflates to more than its header declares', async () => {
    const zip = setZipUncompressedSize(await makeZip([{ name: 'a.txt', body: 'a' }, { name: 'bomb', body: 'x'.repeat(200_000) }]), 'bomb', 1000);
    await refused(zip, /inflates to more than the 1000 bytes it declares \(at entry "bomb"\)/);
  });

  describe('on a small file system', () => {
    let mnt: string;

    beforeEach(function () {
      mnt = path.join(root, 'mnt');
      requireTmpfs(this, mnt, '16m');
    });
    afterEach(() => unmount(mnt));

    it('refuses the 5 MB bomb without writing any of it (the disk never fills)', async () => {
      await refused(zerosZip(80, 64 * MiB), /more than the limit/, undefined, mnt);
      const { bavail, blocks } = fs.statfsSync(mnt);
      assert.ok(blocks - bavail < 8 * MiB / 4096, 'only the bundle itself may use the file system');
    });
  });
});
