/**
 * Every conformance bundle (test/fixtures/conformance/bundles) deployed with `deckhand-agent local`
 * as a real process, checked against expectations.json. Bundles run in parallel to keep it short.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { c as tarCreate } from 'tar';
import { makeZip } from '../unit/agent/bundle/archives.ts';
import { BUNDLES_DIR, copyBundle, runAgent, type RunResult } from './local-run.ts';

interface Expectation {
  succeeds: boolean;
  failedEvent?: string;
  errorCode?: string;
  mentions?: string[];
  recordedEvents?: string[];
  recordMatches?: string[];
  installed?: Record<string, string | null>;
  notInstalled?: string[];
  type?: 'tgz' | 'tar' | 'zip';
  chmod?: Record<string, string>;
  events?: string;
  args?: string[];
  preexisting?: Record<string, string>;
  kept?: Record<string, string>;
}

const expectations = JSON.parse(await fs.readFile(path.join(BUNDLES_DIR, 'expectations.json'), 'utf8')) as {
  bundles: Record<string, Expectation>;
};

interface Outcome {
  first: RunResult;
  dest: string;
  record: string;
}

/** Packs the folder's contents as `type` beside it; returns the bundle file. */
async function pack(folder: string, type: NonNullable<Expectation['type']>): Promise<string> {
  const file = `${folder}.${type}`;
  const names = (await fs.readdir(folder, { recursive: true })).map(String).sort();
  if (type !== 'zip') {
    await tarCreate({ gzip: type === 'tgz', file, cwd: folder }, await fs.readdir(folder));
    return file;
  }
  const entries = [];
  for (const name of names) {
    const stat = await fs.stat(path.join(folder, name));
    if (stat.isDirectory()) entries.push({ name: `${name}/`, dir: true, mode: stat.mode });
    else entries.push({ name, body: await fs.readFile(path.join(folder, name)), mode: stat.mode });
  }
  await fs.writeFile(file, await makeZip(entries));
  return file;
}

async function deploy(tmp: string, name: string, expected: Expectation): Promise<Outcome> {
  const dir = path.join(tmp, name);
  const dest = path.join(dir, 'dest');
  const record = path.join(dir, 'record');
  const folder = await copyBundle(name, dir, dest);
  for (const [rel, mode] of Object.entries(expected.chmod ?? {})) await fs.chmod(path.join(folder, rel), Number.parseInt(mode, 8));
  for (const [rel, content] of Object.entries(expected.preexisting ?? {})) {
    await fs.mkdir(path.dirname(path.join(dest, rel)), { recursive: true });
    await fs.writeFile(path.join(dest, rel), content);
  }
  const bundle = expected.type === undefined ? folder : await pack(folder, expected.type);
  const env = { CONFORMANCE_RECORD: record, CONFORMANCE_DEST: dest };
  const args = ['local', '--bundle-location', bundle, '--type', expected.type ?? 'directory', '--root', path.join(dir, 'root')];
  if (expected.events !== undefined) args.push('--events', expected.events);
  return { first: await runAgent([...args, ...(expected.args ?? [])], env), dest, record };
}

async function recordLines(file: string): Promise<string[]> {
  return (await fs.readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
}

async function check(outcome: Outcome, expected: Expectation): Promise<void> {
  const { first } = outcome;
  const printed = `${first.stdout}\n${first.stderr}`;
  assert.equal(first.code === 0, expected.succeeds, printed);
  if (expected.failedEvent !== undefined) assert.match(first.stderr, new RegExp(`failed at ${expected.failedEvent}\\b`), printed);
  if (expected.errorCode !== undefined) assert.match(first.stderr, new RegExp(`: ${expected.errorCode}\\b`), printed);
  for (const word of expected.mentions ?? []) assert.ok(first.stderr.toLowerCase().includes(word.toLowerCase()), `"${word}" in:\n${printed}`);
  const lines = await recordLines(outcome.record);
  if (expected.recordedEvents !== undefined) assert.deepEqual(lines.map((l) => l.split(' ')[0]), expected.recordedEvents, printed);
  for (const pattern of expected.recordMatches ?? []) assert.ok(lines.some((l) => new RegExp(pattern).test(l)), `${pattern} in ${lines.join('\n')}`);
  for (const [rel, mode] of Object.entries(expected.installed ?? {})) {
    const stat: { mode: number } = await fs.stat(path.join(outcome.dest, rel));
    if (mode !== null) assert.equal((stat.mode & 0o7777).toString(8).padStart(4, '0'), mode, rel);
  }
  for (const rel of expected.notInstalled ?? []) await assert.rejects(fs.stat(path.join(outcome.dest, rel)), { code: 'ENOENT' }, rel);
  for (const [rel, content] of Object.entries(expected.kept ?? {})) assert.equal(await fs.readFile(path.join(outcome.dest, rel), 'utf8'), content, rel);
}

describe('deckhand-agent local on the conformance bundles', function () {
  this.timeout(90_000);
  let tmp: string;
  const outcomes = new Map<string, Outcome>();

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'deckhand-conformance-'));
    await Promise.all(Object.entries(expectations.bundles).map(async ([name, e]) => outcomes.set(name, await deploy(tmp, name, e))));
  });

  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  for (const [name, expected] of Object.entries(expectations.bundles)) {
    it(`${expected.succeeds ? 'deploys' : 'refuses'} ${name} as expectations.json says`, async () => {
      const outcome = outcomes.get(name);
      assert.ok(outcome);
      await check(outcome, expected);
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
