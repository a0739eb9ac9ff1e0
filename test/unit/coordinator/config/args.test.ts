import assert from 'node:assert/strict';
import { DEFAULT_MAX_ARTIFACT_BYTES } from '../../../../coordinator/src/artifacts/store.ts';
import { parseCoordinatorArgs, parseListen, UsageError } from '../../../../coordinator/src/config/args.ts';

describe('parseCoordinatorArgs', () => {
  it('fills in defaults for start', () => {
    assert.deepEqual(parseCoordinatorArgs(['start', '--data-dir', '/d']), {
      kind: 'start',
      config: {
        dataDir: '/d',
        host: '127.0.0.1',
        port: 8420,
        logLevel: process.env['DECKHAND_LOG_LEVEL'] ?? 'info',
        maxBundleBytes: DEFAULT_MAX_ARTIFACT_BYTES,
        logMaxBytes: 512 * 1024 * 1024,
        logRetentionDays: 30,
      },
    });
  });

  it('reads --log-max-bytes and --log-retention-days and refuses a zero', () => {
    const cmd = parseCoordinatorArgs(['start', '--data-dir', '/d', '--log-max-bytes', '1000', '--log-retention-days', '7']);
    assert.deepEqual(cmd.kind === 'start' ? [cmd.config.logMaxBytes, cmd.config.logRetentionDays] : [], [1000, 7]);
    assert.throws(() => parseCoordinatorArgs(['start', '--data-dir', '/d', '--log-retention-days', '0']), /--log-retention-days must be a positive integer/);
  });

  it('reads --listen, --log-level and --max-bundle-bytes', () => {
    const cmd = parseCoordinatorArgs(['start', '--data-dir', '/d', '--listen', '0.0.0.0:0', '--log-level', 'debug', '--max-bundle-bytes', '1000']);
    assert.equal(cmd.kind, 'start');
    if (cmd.kind !== 'start') return;
    assert.equal(cmd.config.host, '0.0.0.0');
    assert.equal(cmd.config.port, 0);
    assert.equal(cmd.config.logLevel, 'debug');
    assert.equal(cmd.config.maxBundleBytes, 1000);
  });

  it('reads --heartbeat-ms and refuses one that is not a positive integer', () => {
    const cmd = parseCoordinatorArgs(['start', '--data-dir', '/d', '--heartbeat-ms', '1000']);
    assert.equal(cmd.kind === 'start' ? cmd.config.heartbeatMs : undefined, 1000);
    assert.throws(() => parseCoordinatorArgs(['start', '--data-dir', '/d', '--heartbeat-ms', '0']), /--heartbeat-ms must be a positive integer/);
  });

  it('returns help for --help', () => {
    assert.deepEqual(parseCoordinatorArgs(['--help']), { kind: 'help' });
  });

  it('requires --data-dir', () => {
    assert.throws(() => parseCoordinatorArgs(['start']), (err) => err instanceof UsageError && /--data-dir is required/.test(err.message));
  });

  it('refuses an unknown option', () => {
    assert.throws(() => parseCoordinatorArgs(['start', '--data-dir', '/d', '--bogus']), UsageError);
  });

  it('refuses a missing or unknown command', () => {
    assert.throws(() => parseCoordinatorArgs(['--data-dir', '/d']), /missing command/);
    assert.throws(() => parseCoordinatorArgs(['stop', '--data-dir', '/d']), /unknown command: stop/);
  });

  it('refuses an unknown log level', () => {
    assert.throws(() => parseCoordinatorArgs(['start', '--data-dir', '/d', '--log-level', 'loud']), /--log-level/);
  });
});

describe('parseListen', () => {
  it('parses a bracketed IPv6 address', () => {
    assert.deepEqual(parseListen('[::1]:9000'), { host: '::1', port: 9000 });
  });

  it('refuses a port out of range', () => {
    assert.throws(() => parseListen('127.0.0.1:70000'), UsageError);
  });

  it('refuses a value without a port', () => {
    assert.throws(() => parseListen('localhost'), UsageError);
  });
});
