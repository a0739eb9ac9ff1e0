import assert from 'node:assert/strict';
import { UsageError } from '../../../../coordinator/src/config/usage-error.ts';
import { isBackupCommand, parseBackupArgs } from '../../../../coordinator/src/config/backup-args.ts';

describe('parseBackupArgs', () => {
  it('reads backup --data-dir DIR --to FILE and restore --from FILE --data-dir DIR', () => {
    assert.deepEqual(parseBackupArgs(['backup', '--data-dir', '/d', '--to', '/b.db']), { kind: 'backup', dataDir: '/d', to: '/b.db' });
    assert.deepEqual(parseBackupArgs(['restore', '--from', '/b.db', '--data-dir', '/d']), { kind: 'restore', dataDir: '/d', from: '/b.db' });
    assert.equal(isBackupCommand(['backup']), true);
    assert.equal(isBackupCommand(['start']), false);
  });

  it('names what is missing or mixed up', () => {
    assert.throws(() => parseBackupArgs(['backup', '--to', '/b.db']), (e: unknown) => e instanceof UsageError && /--data-dir is required/.test(e.message));
    assert.throws(() => parseBackupArgs(['backup', '--data-dir', '/d']), /backup needs --to FILE/);
    assert.throws(() => parseBackupArgs(['restore', '--data-dir', '/d']), /restore needs --from FILE/);
    assert.throws(() => parseBackupArgs(['restore', '--data-dir', '/d', '--from', '/b', '--to', '/c']), /restore takes --from, not --to/);
    assert.throws(() => parseBackupArgs(['backup', '--data-dir', '/d', '--to', '/b', '--listen', 'x']), /Unknown option '--listen'/);
  });
});
