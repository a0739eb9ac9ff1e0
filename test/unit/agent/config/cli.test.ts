import assert from 'node:assert/strict';
import path from 'node:path';
import { parseAgentArgs, UsageError } from '../../../../agent/src/config/cli.ts';

describe('deckhand-agent run arguments', () => {
  it('reads --download-stall-seconds as milliseconds', () => {
    const cmd = parseAgentArgs(['run', '--root', 'r', '--download-stall-seconds', '7.5']);
    assert.deepEqual(cmd, { kind: 'run', root: path.resolve('r'), downloadStallMs: 7500 });
  });

  for (const bad of ['0', '-3', 'soon', '']) {
    it(`refuses --download-stall-seconds "${bad}", naming the flag`, () => {
      assert.throws(() => parseAgentArgs(['run', '--root', 'r', `--download-stall-seconds=${bad}`]), (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.match(err.message, /--download-stall-seconds must be a number of seconds above 0/);
        return true;
      });
    });
  }

  it('takes --yaml-octal-modes codedeploy, refusing other values', () => {
    const cmd = parseAgentArgs(['run', '--root', 'r', '--yaml-octal-modes', 'codedeploy']);
    assert.equal(cmd.kind === 'run' ? cmd.yamlOctalModes : undefined, 'codedeploy');
    assert.throws(() => parseAgentArgs(['run', '--root', 'r', '--yaml-octal-modes', 'psych']), /must be one of deckhand, codedeploy/);
  });

  it('refuses an unknown log level, listing the known ones', () => {
    assert.throws(() => parseAgentArgs(['run', '--root', 'r', '--log-level', 'loud']), /--log-level must be one of error, warn, info, debug/);
  });
});

describe('deckhand-agent with several coordinators', () => {
  it('keeps every --coordinator of register, registering with the first', () => {
    const cmd = parseAgentArgs(['register', '--coordinator', 'http://a:1', '--coordinator', 'http://b:2', '--token', 't', '--root', 'r']);
    assert.equal(cmd.kind, 'register');
    assert.equal(cmd.kind === 'register' && cmd.coordinatorUrl, 'http://a:1');
    assert.deepEqual(cmd.kind === 'register' && cmd.coordinatorUrls, ['http://a:1', 'http://b:2']);
  });

  it('takes --coordinator on run, repeated, to replace the stored ones', () => {
    const cmd = parseAgentArgs(['run', '--root', 'r', '--coordinator', 'http://a:1', '--coordinator', 'http://b:2']);
    assert.deepEqual(cmd, { kind: 'run', root: path.resolve('r'), coordinatorUrls: ['http://a:1', 'http://b:2'] });
  });
});
