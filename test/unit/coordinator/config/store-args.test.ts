import assert from 'node:assert/strict';
import { UsageError } from '../../../../coordinator/src/config/args.ts';
import { isStoreCommand, parseStoreArgs } from '../../../../coordinator/src/config/store-args.ts';

describe('parseStoreArgs', () => {
  it('reads backup --data-dir DIR --to FILE and restore --from FILE --data-dir DIR', () => {
    assert.deepEqual(parseStoreArgs(['backup', '--data-dir', '/d', '--to', '/b.db']), { kind: 'backup', dataDir: '/d', to: '/b.db' });
    assert.deepEqual(parseStoreArgs(['restore', '--from', '/b.db', '--data-dir', '/d']), { kind: 'restore', dataDir: '/d', from: '/b.db' });
    assert.equal(isStoreCommand(['backup']), true);
    assert.equal(isStoreCommand(['start']), false);
  });

  it('names what is missing or mixed up', () => {
    assert.throws(() => parseStoreArgs(['backup', '--to', '/b.db']), (e: unknown) => e instanceof UsageError && /--data-dir is required/.test(e.message));
    assert.throws(() => parseStoreArgs(['backup', '--data-dir', '/d']), /backup needs --to FILE/);
    assert.throws(() => parseStoreArgs(['restore', '--data-dir', '/d']), /restore needs --from FILE/);
    assert.throws(() => parseStoreArgs(['restore', '--data-dir', '/d', '--from', '/b', '--to', '/c']), /restore takes --from, not --to/);
    assert.throws(() => parseStoreArgs(['backup', '--data-dir', '/d', '--to', '/b', '--listen', 'x']), /Unknown option '--listen'/);
  });
});
