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
        store: process.env['DECKHAND_STORE_URL'] ? { kind: 'postgres', url: process.env['DECKHAND_STORE_URL'] } : { kind: 'sqlite' },
        cluster: {},
        storeSync: 'full',
      },
    });
  });

  it('reads --store-sync, --accept-new-store and --skip-store-check, and refuses a --store-sync it does not know', () => {
    const cmd = parseCoordinatorArgs(['start', '--data-dir', '/d', '--store-sync', 'normal', '--accept-new-store', '--skip-store-check']);
    assert.deepEqual(cmd.kind === 'start' ? [cmd.config.storeSync, cmd.config.acceptNewStore, cmd.config.skipStoreCheck] : [], ['normal', true, true]);
    assert.throws(() => parseCoordinatorArgs(['start', '--data-dir', '/d', '--store-sync', 'off']), /--store-sync must be normal or full, got "off"/);
  });

  describe('the store', () => {
    it('takes a PostgreSQL store with the node name, lease time and shared artifacts folder', () => {
      const cmd = parseCoordinatorArgs(['start', '--data-dir', '/d', '--store', 'postgres://u:pw@db:5432/deckhand', '--node-name', 'east-1', '--lease-ms', '8000', '--artifacts-dir', '/shared']);
      assert.ok(cmd.kind === 'start');
      assert.deepEqual(cmd.config.store, { kind: 'postgres', url: 'postgres://u:pw@db:5432/deckhand' });
      assert.deepEqual(cmd.config.cluster, { nodeName: 'east-1', leaseMs: 8000 });
      assert.equal(cmd.config.artifactsDir, '/shared');
    });

    for (const [value, why] of [
      ['mysql://u:s3cret@db/deckhand', /--store must be sqlite or a postgres:\/\/ URL, got "mysql:\/\/u:\*\*\*@db\/deckhand"/],
      ['postgres://u:s3cret@db', /names no database/],
    ] as const) {
      it(`refuses --store ${value.replace('s3cret', '***')}, naming why and never the password`, () => {
        assert.throws(() => parseCoordinatorArgs(['start', '--data-dir', '/d', '--store', value]), (err: Error) => err instanceof UsageError && why.test(err.message) && !err.message.includes('s3cret'));
      });
    }

    it('parses migrate-store and refuses a source that is not sqlite:DIR', () => {
      assert.deepEqual(parseCoordinatorArgs(['migrate-store', '--from', 'sqlite:/var/lib/deckhand', '--to', 'postgres://u:p@db/d']), { kind: 'migrate-store', from: '/var/lib/deckhand', to: 'postgres://u:p@db/d' });
      assert.throws(() => parseCoordinatorArgs(['migrate-store', '--from', '/var/lib/deckhand', '--to', 'postgres://u:p@db/d']), /--from must be sqlite:DIR/);
      assert.throws(() => parseCoordinatorArgs(['migrate-store', '--from', 'sqlite:/d', '--to', 'sqlite:/e']), /--to must be a postgres:\/\/ URL|--store must be sqlite/);
    });

    it('parses nodes, which needs a PostgreSQL store', () => {
      assert.deepEqual(parseCoordinatorArgs(['nodes', '--store', 'postgres://u:p@db/d', '--json']), { kind: 'nodes', store: 'postgres://u:p@db/d', json: true });
      const saved = process.env['DECKHAND_STORE_URL'];
      delete process.env['DECKHAND_STORE_URL'];
      try {
        assert.throws(() => parseCoordinatorArgs(['nodes']), /nodes lists the coordinators of a PostgreSQL store/);
      } finally {
        if (saved !== undefined) process.env['DECKHAND_STORE_URL'] = saved;
      }
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

  it('reads the unauthenticated-connection caps and refuses one that is not a positive integer', () => {
    const cmd = parseCoordinatorArgs(['start', '--data-dir', '/d', '--max-unauthenticated', '500', '--max-unauthenticated-per-address', '50']);
    assert.deepEqual(cmd.kind === 'start' ? cmd.config.connectionLimits : undefined, { maxUnauthenticated: 500, maxUnauthenticatedPerAddress: 50 });
    assert.throws(() => parseCoordinatorArgs(['start', '--data-dir', '/d', '--max-unauthenticated-per-address', '0']), /--max-unauthenticated-per-address must be a positive integer/);
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
