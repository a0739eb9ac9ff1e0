import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import {
  DEFAULT_URL,
  parseDurationSeconds,
  parseKeyValues,
  parseOrUsage,
  parsePositiveInt,
  resolveConnection,
  subcommand,
} from '../../../cli/src/args.ts';
import { CliError, UsageError } from '../../../cli/src/errors.ts';

describe('cli args', () => {
  describe('resolveConnection', () => {
    it('prefers the flags over DECKHAND_URL and DECKHAND_TOKEN', () => {
      const c = resolveConnection(
        { url: 'http://flag:1/', token: 'flag-token' },
        { DECKHAND_URL: 'http://env:2', DECKHAND_TOKEN: 'env-token' },
      );
      assert.deepEqual(c, { url: 'http://flag:1', token: 'flag-token' });
    });

    it('falls back to the environment', () => {
      const c = resolveConnection({}, { DECKHAND_URL: 'http://env:2', DECKHAND_TOKEN: 'env-token' });
      assert.deepEqual(c, { url: 'http://env:2', token: 'env-token' });
    });

    it('defaults the URL to the coordinator default address', () => {
      assert.equal(resolveConnection({ token: 't' }, {}).url, DEFAULT_URL);
    });

    it('refuses to run without a token, with exit code 2', () => {
      assert.throws(() => resolveConnection({}, {}), (err: unknown) => {
        return err instanceof CliError && err.exitCode === 2 && /DECKHAND_TOKEN/.test(err.message);
      });
    });

    it('takes several comma-separated coordinators from DECKHAND_URL, the first tried first', () => {
      const c = resolveConnection({}, { DECKHAND_URL: 'http://a:1/, http://b:2', DECKHAND_TOKEN: 't' });
      assert.deepEqual(c, { url: 'http://a:1', urls: ['http://a:1', 'http://b:2'], token: 't' });
    });

    it('names the bad one of several coordinator URLs', () => {
      assert.throws(() => resolveConnection({ url: 'http://a:1,b:2', token: 't' }, {}), /"b:2": must start with http/);
    });

    it('rejects a URL without a scheme', () => {
      assert.throws(() => resolveConnection({ url: 'localhost:8420', token: 't' }, {}), /must start with http/);
    });
  });

  describe('parseKeyValues', () => {
    it('splits on the first equals sign', () => {
      assert.deepEqual(parseKeyValues(['env=demo', 'url=a=b'], '--tag', 'u'), { env: 'demo', url: 'a=b' });
    });

    it('rejects an item without a key', () => {
      assert.throws(() => parseKeyValues(['=x'], '--tag', 'u'), UsageError);
      assert.throws(() => parseKeyValues(['novalue'], '--tag', 'u'), /--tag expects KEY=VALUE/);
    });
  });

  describe('parseDurationSeconds', () => {
    it('understands s, m, h, d and bare seconds', () => {
      assert.deepEqual(
        ['3600s', '30m', '1h', '7d', '90'].map((t) => parseDurationSeconds(t, '--ttl', 'u')),
        [3600, 1800, 3600, 604800, 90],
      );
    });

    it('rejects zero, negative and unknown units', () => {
      for (const bad of ['0', '-1h', '1w', 'soon', '']) {
        assert.throws(() => parseDurationSeconds(bad, '--ttl', 'u'), UsageError, bad);
      }
    });
  });

  it('parsePositiveInt rejects zero and fractions', () => {
    assert.equal(parsePositiveInt('5', '--n', 'u'), 5);
    assert.throws(() => parsePositiveInt('0', '--n', 'u'), UsageError);
    assert.throws(() => parsePositiveInt('1.5', '--n', 'u'), UsageError);
  });

  it('parseOrUsage turns an unknown flag into a usage error with the usage text', () => {
    assert.throws(
      () => parseOrUsage('USAGE TEXT', () => parseArgs({ args: ['--nope'], options: {}, strict: true })),
      (err: unknown) => err instanceof UsageError && err.usage === 'USAGE TEXT' && /--nope/.test(err.message) && err.exitCode === 2,
    );
  });

  it('subcommand names the expected subcommand when another is given', () => {
    assert.deepEqual(subcommand(['create', 'x'], 'create', 'u'), ['x']);
    assert.throws(() => subcommand(['delete'], 'create', 'u'), /unknown subcommand delete \(expected create\)/);
    assert.throws(() => subcommand([], 'create', 'u'), /missing subcommand/);
  });
});
