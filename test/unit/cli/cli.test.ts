import assert from 'node:assert/strict';
import { COMMANDS, runCli } from '../../../cli/src/cli.ts';
import { parseDemoArgs } from '../../../cli/src/commands/demo.ts';
import { capture } from './helpers.ts';

describe('deckhand', () => {
  it('lists every command in --help and exits 0', async () => {
    const c = capture();
    assert.equal(await runCli(['--help'], c.ctx), 0);
    for (const cmd of COMMANDS) assert.match(c.stdout(), new RegExp(`\\n  ${cmd.name} `));
  });

  it('exits 2 without a command', async () => {
    const c = capture();
    assert.equal(await runCli([], c.ctx), 2);
    assert.match(c.stderr(), /^Usage: deckhand/);
  });

  it('exits 2 on an unknown command', async () => {
    const c = capture();
    assert.equal(await runCli(['deplyo'], c.ctx), 2);
    assert.match(c.stderr(), /^error: unknown command "deplyo"/);
  });

  it('gives every command a --help that exits 0', async () => {
    for (const cmd of COMMANDS) {
      const c = capture();
      assert.equal(await runCli([cmd.name, '--help'], c.ctx), 0, cmd.name);
      assert.match(c.stdout(), new RegExp(`^Usage: deckhand ${cmd.name}`), cmd.name);
    }
  });

  it('rejects an unknown flag on every command with exit code 2', async () => {
    for (const cmd of COMMANDS) {
      const c = capture({ DECKHAND_TOKEN: 't' });
      assert.equal(await runCli([cmd.name, '--no-such-flag'], c.ctx), 2, cmd.name);
      assert.match(c.stderr(), /Unknown option '--no-such-flag'/, cmd.name);
    }
  });

  it('exits 2 when no API token is given', async () => {
    const c = capture();
    assert.equal(await runCli(['instances'], c.ctx), 2);
    assert.equal(c.stderr(), 'error: no API token: pass --token or set DECKHAND_TOKEN\n');
  });

  describe('demo arguments', () => {
    it('defaults to 3 agents without --keep', () => {
      assert.deepEqual(parseDemoArgs([]), { keep: false, agents: 3 });
    });

    it('accepts --agents and --keep', () => {
      assert.deepEqual(parseDemoArgs(['--agents', '2', '--keep']), { keep: true, agents: 2 });
    });

    it('rejects a non-numeric --agents', () => {
      assert.throws(() => parseDemoArgs(['--agents', 'many']), /--agents expects a positive integer/);
    });
  });
});
