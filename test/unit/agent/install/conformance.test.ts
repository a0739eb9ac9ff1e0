import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAppSpec } from '../../../../agent/src/appspec/load.ts';
import { installRevision } from '../../../../agent/src/install/install.ts';
import { DeckhandError } from '../../../../protocol/src/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const bundlesDir = path.resolve(repoRoot, 'test', 'fixtures', 'conformance', 'bundles');

describe('Install on the conformance bundles', () => {
  let root: string;
  let dest: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
    dest = path.join(root, 'dest');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Copies a bundle folder and fills in {{DEST}}, as expectations.json describes. */
  async function installBundle(name: string) {
    const archiveDir = path.join(root, 'archive');
    fs.cpSync(path.join(bundlesDir, name), archiveDir, { recursive: true });
    fs.chmodSync(archiveDir, 0o755);
    const appspec = path.join(archiveDir, 'appspec.yml');
    fs.chmodSync(appspec, 0o644);
    fs.writeFileSync(appspec, fs.readFileSync(appspec, 'utf8').replaceAll('{{DEST}}', dest));
    const spec = await loadAppSpec(archiveDir, 'linux');
    const instructionsDir = path.join(root, 'deployment-instructions');
    return installRevision({ archiveDir, spec, fileExistsBehavior: 'DISALLOW', instructionsDir, deploymentGroupId: 'dg-1' });
  }

  it('installs basic-linux with the modes its permissions give', async () => {
    await installBundle('basic-linux');
    assert.equal(fs.statSync(path.join(dest, 'www/index.html')).mode & 0o777, 0o640);
    assert.equal(fs.statSync(path.join(dest, 'www/css/app.css')).mode & 0o777, 0o640);
    assert.equal(fs.readFileSync(path.join(dest, 'etc/app.conf'), 'utf8'), 'port=8080\n');
  });

  it('fails duplicate-target at Install, naming x.txt', async () => {
    await assert.rejects(installBundle('duplicate-target'), (err: unknown) => {
      assert.ok(err instanceof DeckhandError);
      assert.match(err.message, /x\.txt/);
      return true;
    });
  });
});
