import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DeckhandError } from '../../../../protocol/src/index.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { removeDir, tempDir } from './fixtures.ts';

describe('a lost (0-byte) journal', () => {
  let root: string;
  let file: string;
  beforeEach(() => {
    root = tempDir();
    file = path.join(root, 'agent.db');
  });
  afterEach(() => removeDir(root));

  it('is refused as lost, saying what happened and what to do, not opened as a fresh journal', () => {
    fs.writeFileSync(file, '');
    assert.throws(() => Journal.open(file), (err: unknown) => {
      assert.ok(err instanceof DeckhandError, String(err));
      assert.equal(err.code, 'JOURNAL_LOST');
      assert.ok(err.message.includes(`the journal ${file} is empty (0 bytes)`), err.message);
      assert.match(err.message, /restore it from a backup, or move it away and register this host again/);
      return true;
    });
    assert.equal(fs.statSync(file).size, 0, 'the empty file is left as it was');
    assert.deepEqual(fs.readdirSync(root), ['agent.db']);
  });

  it('still opens a journal that does not exist yet (a new host)', () => {
    Journal.open(file).close();
    assert.ok(fs.statSync(file).size > 0);
  });
});
