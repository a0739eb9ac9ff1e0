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

  /** Rewrites the revision's appspec (and its digest) with `hooks` added. */
  async function withHooks(hooks: string): Promise<void> {
    const revisionDir = path.join(tmp, 'revision');
    fs.appendFileSync(path.join(revisionDir, 'appspec.yml'), hooks);
    const sha256 = await sha256Tree(revisionDir);
    input.revision = async () => ({ revisionId: 'rev-ABCDEFGH', sha256, bundleType: 'directory', size: 0, location: { kind: 'local', path: revisionDir } });
  }

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

  it('fails a hook location that resolves outside the revision, which the agent would refuse to run', async () => {
    await withHooks('hooks:\n  AfterInstall:\n    - location: ../../../../../../../../../../bin/sh\n');
    const report = await runPreflightChecks(input);
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems, ['scripts: AfterInstall: ../../../../../../../../../../bin/sh resolves outside the revision; the agent will not run it (ScriptOutsideRevision)']);
    assert.match(report.warnings.join('\n'), /^scripts: hooks\.AfterInstall\[0\]\.location: location "[./]+bin\/sh" climbs out of the revision/);
  });

  it('warns about a location that climbs out and back into the revision, and refuses it with strict', async () => {
    fs.writeFileSync(path.join(tmp, 'revision', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await withHooks('hooks:\n  AfterInstall:\n    - location: ../deployment-archive/run.sh\n');
    const lenient = await runPreflightChecks(input);
    assert.deepEqual({ ok: lenient.ok, problems: lenient.problems }, { ok: true, problems: [] });
    assert.equal(lenient.warnings.length, 1);
    const strict = await runPreflightChecks({ ...input, strict: true });
    assert.equal(strict.ok, false);
    assert.match(strict.problems.join('\n'), /^scripts: hooks\.AfterInstall\[0\]\.location: location "\.\.\/deployment-archive\/run\.sh" climbs out/);
  });
});
