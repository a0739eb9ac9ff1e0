import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appSpecValidate } from '../../../../agent/src/commands/appspec-validate.ts';
import type { AppSpecValidateCommand } from '../../../../agent/src/config/local-args.ts';

describe('appSpecValidate', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-validate-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function validate(appspec: string, strict: boolean): Promise<{ code: number; out: string; err: string }> {
    const file = path.join(tmp, 'appspec.yml');
    fs.writeFileSync(file, appspec);
    const cmd: AppSpecValidateCommand = { kind: 'appspec-validate', path: file, os: 'linux', json: false, strict, yamlOctalModes: 'deckhand' };
    const out: string[] = [];
    const err: string[] = [];
    const code = await appSpecValidate(cmd, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  const climbing = 'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: scripts/ok.sh\n    - location: ../../../bin/sh\n';

  it('warns about a hook location that climbs out of the revision, naming its key, and exits 0', async () => {
    const r = await validate(climbing, false);
    assert.equal(r.code, 0);
    assert.match(r.err, /^warning: hooks\.AfterInstall\[1\]\.location: location "\.\.\/\.\.\/\.\.\/bin\/sh" climbs out of the revision: .*refuses to run a script outside the revision \(ScriptOutsideRevision\)$/);
    assert.match(r.out, /is a valid appspec for linux/);
  });

  it('refuses it with --strict', async () => {
    const r = await validate(climbing, true);
    assert.equal(r.code, 1);
    assert.match(r.err, /^hooks\.AfterInstall\[1\]\.location: location .*climbs out of the revision/);
  });

  it('does not warn about a location that only dips into a folder of the revision (scripts/../run.sh)', async () => {
    const r = await validate('version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: scripts/../run.sh\n    - location: /scripts/abs.sh\n', true);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
  });
});
