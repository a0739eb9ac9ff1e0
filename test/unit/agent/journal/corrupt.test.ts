import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { deployCommand, removeDir, tempDir } from './fixtures.ts';

describe('a corrupt journal', () => {
  let root: string;
  let file: string;
  beforeEach(() => {
    root = tempDir();
    file = path.join(root, 'agent.db');
  });
  afterEach(() => removeDir(root));

  /** A journal with some history, closed (checkpointed), then damaged in the middle. */
  function damagedJournal(): Buffer {
    const journal = Journal.open(file);
    for (let i = 0; i < 200; i++) journal.recordCommand(deployCommand(`c-CMD${1000 + i}`, `d-DEP${1000 + i}`), new Date());
    journal.close();
    const bytes = fs.readFileSync(file);
    bytes.fill(0x5a, 4096 + 100, 4096 * 3);
    fs.writeFileSync(file, bytes);
    return bytes;
  }

  it('is refused with JOURNAL_CORRUPT and a message naming the file', () => {
    damagedJournal();
    assert.throws(() => Journal.open(file), (err: unknown) => {
      assert.ok(err instanceof DeckhandError);
      assert.equal(err.code, 'JOURNAL_CORRUPT');
      assert.ok(err.message.includes(file), err.message);
      return true;
    });
  });

  it('keeps a byte-for-byte copy and leaves the original untouched', () => {
    const bytes = damagedJournal();
    assert.throws(() => Journal.open(file));
    const copies = fs.readdirSync(root).filter((f) => f.startsWith('agent.db.corrupt-') && !f.endsWith('-wal'));
    assert.equal(copies.length, 1);
    assert.deepEqual(fs.readFileSync(path.join(root, copies[0]!)), bytes);
    assert.deepEqual(fs.readFileSync(file), bytes);
  });

  it('is refused when the file is not a database at all', () => {
    fs.writeFileSync(file, 'this is not sqlite'.repeat(300));
    assert.throws(() => Journal.open(file), /JOURNAL_CORRUPT|is corrupt/);
  });
});
