import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigFileError, loadAgentConfig, parseAgentConfig } from '../../../../agent/src/config/file.ts';

const FILE = '/etc/deckhand/agent.yml';

function refuses(text: string, message: RegExp): void {
  assert.throws(() => parseAgentConfig(text, FILE), (err: unknown) => {
    assert.ok(err instanceof ConfigFileError, String(err));
    assert.match(err.message, message);
    return true;
  });
}

describe('agent.yml', function () {
  describe('parseAgentConfig', function () {
    it('reads every setting', function () {
      const text = [
        'logLevel: debug',
        "rebootCommand: 'systemctl reboot'",
        'downloadStallSeconds: 30',
        'proxy: http://proxy.example:3128',
        'noProxy: localhost,.internal',
        'log:',
        '  maxFileMegabytes: 20',
        '  maxFiles: 3',
      ].join('\n');
      assert.deepEqual(parseAgentConfig(text, FILE), {
        logLevel: 'debug',
        rebootCommand: 'systemctl reboot',
        downloadStallSeconds: 30,
        proxy: 'http://proxy.example:3128',
        noProxy: 'localhost,.internal',
        log: { maxFileMegabytes: 20, maxFiles: 3 },
      });
    });

    it('takes an empty file or only comments as no settings', function () {
      assert.deepEqual(parseAgentConfig('', FILE), {});
      assert.deepEqual(parseAgentConfig('# nothing yet\n', FILE), {});
    });

    it('refuses an unknown key with its line and the key it resembles', function () {
      refuses('logLevel: info\nrebootComand: reboot\n', /^\/etc\/deckhand\/agent\.yml line 2: unknown key "rebootComand" \(did you mean "rebootCommand"\?\)$/);
    });

    it('refuses an unknown nested key with its full name and line', function () {
      refuses('log:\n  maxFiles: 2\n  maxFileMegabyte: 3\n', /line 3: unknown key "log\.maxFileMegabyte" \(did you mean "maxFileMegabytes"\?\)/);
    });

    it('refuses a bad value naming the key and its line', function () {
      refuses('logLevel: info\ndownloadStallSeconds: -5\n', /line 2: downloadStallSeconds must be above 0/);
      refuses('logLevel: loud\n', /line 1: logLevel must be one of error, warn, info, debug/);
      refuses('proxy: ftp://x\n', /line 1: proxy must be an http:\/\/ or https:\/\/ URL/);
      refuses('log:\n  maxFiles: 2.5\n', /line 2: log\.maxFiles must be a whole number/);
    });

    it('refuses text that is not YAML, or not a mapping, naming the line', function () {
      refuses('logLevel: info\n  bad: [\n', /line \d: not valid YAML/);
      refuses('- a\n- b\n', /must hold a mapping of settings/);
    });
  });

  describe('loadAgentConfig', function () {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-cfg-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('takes a missing default file as no settings', function () {
      assert.deepEqual(loadAgentConfig(path.join(dir, 'agent.yml'), false), {});
    });

    it('refuses a missing file that was named with --config', function () {
      assert.throws(() => loadAgentConfig(path.join(dir, 'agent.yml'), true), /cannot read .*agent\.yml: no such file/);
    });
  });
});
