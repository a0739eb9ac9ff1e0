import assert from 'node:assert/strict';
import { runCli } from '../../../../cli/src/cli.ts';
import { formatInstances } from '../../../../cli/src/format/instances.ts';
import { safe, sanitize, sanitizeLines } from '../../../../cli/src/format/sanitize.ts';
import { formatStatus } from '../../../../cli/src/format/status.ts';
import { describeChanges } from '../../../../cli/src/watch/render.ts';
import type { InstanceView } from '../../../../protocol/src/api.ts';
import { capture, deployment, ev, startFakeApi, target } from '../helpers.ts';

/** Anything a terminal acts on: C0 (but newline), DEL, C1, bidi controls, line/paragraph separators. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
const now = new Date('2024-05-01T12:00:00Z');

/** A hostname that clears the screen, then draws a fake row over the real one. */
const HOSTILE_HOST = 'evil\u001b[2J\u001b[H\rprod-db-1   i-FAKEFAKE\nweb-9';
const HOSTILE_TAG = '\u202eexe.txt\u001b]0;owned\u0007';

function hostileInstance(): InstanceView {
  return { instanceId: 'i-EVILEVIL', hostname: HOSTILE_HOST, tags: { role: HOSTILE_TAG }, connected: true, registeredAt: '2024-05-01T10:00:00Z', agentVersion: '1\u009b31m' };
}

describe('terminal-safe CLI output', () => {
  describe('sanitize', () => {
    it('escapes ANSI sequences, CR, newline, tab, DEL and C1 controls, visibly', () => {
      assert.equal(sanitize('a\u001b[31mred\u001b[0m\rb\nc\td\u007fe\u009bf'), 'a\\x1b[31mred\\x1b[0m\\rb\\nc\\td\\x7fe\\x9bf');
    });

    it('escapes bidi overrides and isolates and the Unicode line separators', () => {
      assert.equal(sanitize('\u202eabc\u2066x\u2069\u200f\u2028'), '\\u202eabc\\u2066x\\u2069\\u200f\\u2028');
    });

    it('keeps ordinary text, accents, CJK and emoji as they are', () => {
      for (const text of ['web-1.example.com', 'café', '漢字のホスト', 'ship it 🚀', 'a=b,c=d']) assert.equal(sanitize(text), text);
    });

    it('splits multi-line text at LF and CRLF, escaping a lone CR', () => {
      assert.deepEqual(sanitizeLines('one\r\ntwo\rover\nthree\u001b[1A'), ['one', 'two\\rover', 'three\\x1b[1A']);
    });

    it('sanitizes the values of a template, not its text', () => {
      assert.equal(safe`row\n${'x\ny'}: ${42}`, 'row\nx\\ny: 42');
    });
  });

  it('instances: a hostile hostname and tag stay on their row, with no control character printed', () => {
    const lines = formatInstances([hostileInstance()], now).split('\n');
    assert.equal(lines.length, 2);
    assert.ok(!CONTROL.test(lines.join('\n')), JSON.stringify(lines));
    assert.match(lines[1] ?? '', /^evil\\x1b\[2J\\x1b\[H\\rprod-db-1 {3}i-FAKEFAKE\\nweb-9\s+i-EVILEVIL\s+role=\\u202eexe\.txt\\x1b\]0;owned\\x07\s+yes/);
  });

  it('status: hostile hostnames, messages and log tails print no control character, and the tail stays indented', () => {
    const bad = target(HOSTILE_HOST, 'Failed');
    bad.lifecycleEvents[2] = ev('BeforeInstall', 'Failed', {
      diagnostics: { errorCode: 'ScriptFailed', message: 'exit 1\r\nfailed: web-2 fine', scriptName: 'run\u001b[8m.sh', logTail: 'ok line\r\n\u001b[2Kfake\rline\nlast\u202e' },
    });
    const view = deployment('Failed', [bad]);
    view.errorInformation = { code: 'HEALTH_CONSTRAINTS', message: 'x\u001b]8;;http://evil\u0007link' };
    const text = formatStatus(view);
    assert.ok(!CONTROL.test(text), text);
    const tail = text.split('\n').slice(text.split('\n').indexOf('  log tail:') + 1);
    assert.deepEqual(tail, ['    | ok line', '    | \\x1b[2Kfake\\rline', '    | last\\u202e']);
    assert.match(text, /^failed: evil\\x1b.*BeforeInstall: ScriptFailed: exit 1\\r\\nfailed: web-2 fine \(script run\\x1b\[8m\.sh\)$/m);
  });

  it('the live watcher prints hostile host names and messages escaped', () => {
    const bad = target('h\u001b[1A', 'InProgress', ['Failed']);
    bad.lifecycleEvents[0] = ev('ApplicationStop', 'Failed', { diagnostics: { errorCode: 'ScriptFailed', message: 'm\u001b[2K' } });
    const lines = describeChanges(undefined, deployment('InProgress', [bad]));
    assert.ok(lines.length > 0);
    assert.ok(!CONTROL.test(lines.join('\n')), JSON.stringify(lines));
  });

  describe('deckhand instances and status against a hostile coordinator reply', () => {
    it('print escaped text, and --json keeps the exact strings', async () => {
      const api = await startFakeApi((req) => (req.url === '/v1/instances' ? { status: 200, json: { instances: [hostileInstance()] } } : { status: 404, json: { error: { code: 'NOT_FOUND', message: 'no deployment d-X\u001b[2J\nerror: fake' } } }));
      try {
        const env = { DECKHAND_URL: api.url, DECKHAND_TOKEN: 't' };
        const text = capture(env, now);
        assert.equal(await runCli(['instances'], text.ctx), 0);
        assert.ok(!CONTROL.test(text.stdout().trimEnd()), text.stdout());
        const json = capture(env, now);
        assert.equal(await runCli(['instances', '--json'], json.ctx), 0);
        assert.equal((JSON.parse(json.stdout()) as { instances: InstanceView[] }).instances[0]?.hostname, HOSTILE_HOST);
        const failed = capture(env, now);
        assert.equal(await runCli(['status', 'd-X'], failed.ctx), 1);
        assert.ok(!CONTROL.test(failed.stderr().trimEnd()), failed.stderr());
        assert.match(failed.stderr(), /^error: NOT_FOUND: no deployment d-X\\x1b\[2J\n {2}error: fake\n$/);
      } finally {
        await api.close();
      }
    });
  });
});
