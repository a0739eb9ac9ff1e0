import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sha256Tree } from '../../../../agent/src/bundle/verify.ts';
import { runPreflightChecks, type PreflightInput } from '../../../../agent/src/preflight/checks.ts';

describe('runPreflightChecks', () => {
  let tmp: string;
  let input: PreflightInput;
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-preflight-'));
    const revisionDir = path.join(tmp, 'revision');
    fs.mkdirSync(path.join(revisionDir, 'site'), { recursive: true });
    fs.writeFileSync(path.join(revisionDir, 'appspec.yml'), 'version: 0.0\nos: linux\nfiles:\n  - source: site\n    destination: /srv/app\n');
    fs.writeFileSync(path.join(revisionDir, 'site', 'index.html'), 'new\n');
    const sha256 = await sha256Tree(revisionDir);
    input = {
      revision: async () => ({ revisionId: 'rev-ABCDEFGH', sha256, bundleType: 'directory', size: 0, location: { kind: 'local', path: revisionDir } }),
      label: 'revision rev-ABCDEFGH',
      scratchParent: path.join(tmp, 'scratch'),
      instructionsDir: path.join(tmp, 'instructions'),
      deploymentGroupId: 'dg-ABCDEFGH',
      destRoot: path.join(tmp, 'dest'),
      fileExistsBehavior: 'DISALLOW',
    };
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('is ok with no problems for a clean host', async () => {
    const report = await runPreflightChecks(input);
    assert.deepEqual({ ok: report.ok, problems: report.problems }, { ok: true, problems: [] });
  });

  it('names each DISALLOW conflict as a problem', async () => {
    fs.mkdirSync(path.join(tmp, 'dest', 'srv', 'app'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'dest', 'srv', 'app', 'index.html'), 'old\n');
    const report = await runPreflightChecks(input);
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems, [`conflicts: file_exists_behavior is DISALLOW and ${path.join(tmp, 'dest', 'srv', 'app', 'index.html')} already exists`]);
  });

  it('reports a revision that cannot be fetched as a bundle problem', async () => {
    const report = await runPreflightChecks({ ...input, revision: () => Promise.reject(new Error('no such bundle')) });
    assert.deepEqual(report.problems, ['bundle: no such bundle']);
  });

  it('removes its scratch dir afterwards', async () => {
    await runPreflightChecks(input);
    assert.deepEqual(fs.readdirSync(input.scratchParent), []);
  });
});
