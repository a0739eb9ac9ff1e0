/**
 * Every conformance bundle (test/fixtures/conformance/bundles) deployed with `deckhand-agent local`
 * as a real process, checked against expectations.json. Bundles run in parallel to keep it short.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BUNDLES_DIR, copyBundle, runAgent, type RunResult } from './local-run.ts';

interface Expectation {
  succeeds: boolean;
  failedEvent?: string;
  errorCode?: string;
  mentions?: string[];
  recordedEvents?: string[];
  installed?: Record<string, string | null>;
}

const expectations = JSON.parse(await fs.readFile(path.join(BUNDLES_DIR, 'expectations.json'), 'utf8')) as {
  bundles: Record<string, Expectation>;
};

interface Outcome {
  first: RunResult;
  dest: string;
  record: string;
}

async function deploy(tmp: string, name: string): Promise<Outcome> {
  const dir = path.join(tmp, name);
  const dest = path.join(dir, 'dest');
  const record = path.join(dir, 'record');
  const bundle = await copyBundle(name, dir, dest);
  const env = { CONFORMANCE_RECORD: record, CONFORMANCE_DEST: dest };
  const args = ['local', '--bundle-location', bundle, '--type', 'directory', '--root', path.join(dir, 'root')];
  return { first: await runAgent(args, env), dest, record };
}

describe('deckhand-agent local on the conformance bundles', function () {
  this.timeout(60_000);
  let tmp: string;
  const outcomes = new Map<string, Outcome>();

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'deckhand-conformance-'));
    await Promise.all(Object.keys(expectations.bundles).map(async (name) => outcomes.set(name, await deploy(tmp, name))));
  });

  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  for (const [name, expected] of Object.entries(expectations.bundles)) {
    it(`${expected.succeeds ? 'deploys' : 'refuses'} ${name} as expectations.json says`, async () => {
      const outcome = outcomes.get(name);
      assert.ok(outcome);
      const { first } = outcome;
      const printed = `${first.stdout}\n${first.stderr}`;
      assert.equal(first.code === 0, expected.succeeds, printed);
      if (expected.failedEvent !== undefined) assert.match(first.stderr, new RegExp(`failed at ${expected.failedEvent}\\b`), printed);
      if (expected.errorCode !== undefined) assert.match(first.stderr, new RegExp(`: ${expected.errorCode}\\b`), printed);
      for (const word of expected.mentions ?? []) assert.ok(first.stderr.toLowerCase().includes(word.toLowerCase()), `"${word}" in:\n${printed}`);
      if (expected.recordedEvents !== undefined) {
        const events = (await fs.readFile(outcome.record, 'utf8')).trim().split('\n').map((l) => l.split(' ')[0]);
        assert.deepEqual(events, expected.recordedEvents);
      }
      for (const [rel, mode] of Object.entries(expected.installed ?? {})) {
        const stat: { mode: number } = await fs.stat(path.join(outcome.dest, rel));
        if (mode !== null) assert.equal((stat.mode & 0o7777).toString(8).padStart(4, '0'), mode, rel);
      }
    });
  }

  it('runs ApplicationStop from the last successful revision on a second deployment of basic-linux', async () => {
    const dir = path.join(tmp, 'basic-linux');
    const record = path.join(dir, 'record');
    await fs.rm(record, { force: true });
    const env = { CONFORMANCE_RECORD: record, CONFORMANCE_DEST: path.join(dir, 'dest') };
    const args = ['local', '--bundle-location', path.join(dir, 'basic-linux'), '--type', 'directory', '--root', path.join(dir, 'root')];
    const second = await runAgent([...args, '--file-exists-behavior', 'DISALLOW'], env);
    assert.equal(second.code, 0, second.stderr);
    const events = (await fs.readFile(record, 'utf8')).trim().split('\n').map((l) => l.split(' ')[0]);
    assert.deepEqual(events, ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService']);
  });
});
