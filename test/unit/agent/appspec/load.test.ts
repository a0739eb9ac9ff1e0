import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAppSpec } from '../../../../agent/src/appspec/load.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';

describe('loadAppSpec', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads appspec.yml', async () => {
    fs.writeFileSync(path.join(dir, 'appspec.yml'), 'version: 0.0\nos: linux\n');
    assert.equal((await loadAppSpec(dir, 'linux')).os, 'linux');
  });

  it('falls back to appspec.yaml', async () => {
    fs.writeFileSync(path.join(dir, 'appspec.yaml'), 'version: 0.0\nos: linux\n');
    assert.equal((await loadAppSpec(dir, 'linux')).version, '0.0');
  });

  it('prefers appspec.yml over appspec.yaml', async () => {
    fs.writeFileSync(path.join(dir, 'appspec.yml'), 'version: 0.0\nos: linux\n');
    fs.writeFileSync(path.join(dir, 'appspec.yaml'), 'not: [valid\n');
    assert.equal((await loadAppSpec(dir, 'linux')).os, 'linux');
  });

  it('throws APPSPEC_MISSING when there is no appspec', async () => {
    await assert.rejects(loadAppSpec(dir, 'linux'), (err: unknown) => {
      assert.ok(err instanceof DeckhandError);
      assert.equal(err.code, 'APPSPEC_MISSING');
      assert.match(err.message, /no appspec\.yml or appspec\.yaml/);
      return true;
    });
  });

  it('throws APPSPEC_INVALID listing each problem with its key path and line', async () => {
    fs.writeFileSync(path.join(dir, 'appspec.yml'), 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - timeout: -1\n');
    await assert.rejects(loadAppSpec(dir, 'linux'), (err: unknown) => {
      assert.ok(err instanceof DeckhandError);
      assert.equal(err.code, 'APPSPEC_INVALID');
      assert.match(err.message, /2 problems/);
      assert.match(err.message, /hooks\.AfterInstall\[0\]\.location \(line 5\)/);
      assert.match(err.message, /hooks\.AfterInstall\[0\]\.timeout \(line 5\): timeout must be a positive/);
      return true;
    });
  });
});
