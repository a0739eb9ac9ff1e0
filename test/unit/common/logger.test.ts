import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeLogger, createLogger } from '../../../common/src/logger.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';


function lines(file: string): Array<Record<string, unknown>> {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLogger', function () {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-logger-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('errors among the fields', function () {
    it('keeps the message, code, stack and cause of an Error passed as { err }', async function () {
      const file = path.join(dir, 'a.log');
      const logger = createLogger({ service: 't', file, console: 'off' });
      const cause = new Error('disk on fire');
      logger.error('verifying agent request failed', { err: new DeckhandError('INTERNAL', 'could not verify', { cause }) });
      await closeLogger(logger);
      const [line] = lines(file);
      const err = line?.['err'] as Record<string, unknown>;
      assert.equal(err['message'], 'could not verify');
      assert.equal(err['code'], 'INTERNAL');
      assert.match(String(err['stack']), /could not verify\n\s+at /);
      assert.equal((err['cause'] as Record<string, unknown>)['message'], 'disk on fire');
    });

    it('keeps an Error under any field name, and still redacts secret-looking fields', async function () {
      const file = path.join(dir, 'b.log');
      const logger = createLogger({ service: 't', file, console: 'off' });
      logger.warn('x', { failure: new TypeError('bad type'), token: 'dh_secret' });
      await closeLogger(logger);
      const [line] = lines(file);
      assert.equal((line?.['failure'] as Record<string, unknown>)['name'], 'TypeError');
      assert.equal(line?.['token'], '[redacted]');
    });
  });

  describe('rotation', function () {
    /** Logs `count` lines of about 100 bytes, a burst of 10 at a time. */
    async function logLines(file: string, count: number, maxFiles: number): Promise<void> {
      const logger = createLogger({ service: 't', file, console: 'off', maxFileBytes: 2048, maxFiles });
      for (let i = 0; i < count; i++) {
        logger.info('line', { i, pad: 'x'.repeat(50) });
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
      }
      await closeLogger(logger);
    }

    it('rotates the file by size and keeps only the configured number of old files', async function () {
      const file = path.join(dir, 'agent.log');
      await logLines(file, 400, 2);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['agent.log', 'agent.log.1', 'agent.log.2']);
      // The live file holds the newest line; the old ones are whole files of older lines.
      assert.equal(lines(file).at(-1)?.['i'], 399);
      assert.ok(Number(lines(`${file}.1`).at(-1)?.['i']) < Number(lines(file)[0]?.['i']));
      for (const name of ['agent.log.1', 'agent.log.2']) assert.ok(fs.statSync(path.join(dir, name)).size >= 2048, name);
    });

    it('loses no line while rotating', async function () {
      const file = path.join(dir, 'agent.log');
      await logLines(file, 300, 50);
      const seen = fs.readdirSync(dir).flatMap((name) => lines(path.join(dir, name)).map((l) => l['i']));
      assert.equal(new Set(seen).size, 300);
      assert.ok(fs.readdirSync(dir).length > 3, 'the test rotated');
    });
  });
});
