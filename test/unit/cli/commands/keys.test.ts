import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../../cli/src/cli.ts';
import { parsePublicKey, parseSecretKey } from '../../../../common/src/minisign.ts';
import { capture } from '../helpers.ts';

describe('deckhand keys generate', function () {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-keys-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a minisign key pair, the secret one mode 0600, and prints the public key', async function () {
    const c = capture();
    assert.equal(await runCli(['keys', 'generate', 'release', '--dir', dir, '--json'], c.ctx), 0, c.stderr());
    const out = JSON.parse(c.stdout()) as { keyId: string; publicKey: string };
    const secret = parseSecretKey(fs.readFileSync(path.join(dir, 'release.key'), 'utf8'));
    assert.equal(secret.keyId, out.keyId);
    assert.equal(parsePublicKey(out.publicKey).keyId, out.keyId);
    assert.equal(fs.statSync(path.join(dir, 'release.key')).mode & 0o777, 0o600);
  });

  it('refuses to overwrite an existing key, writing nothing', async function () {
    fs.writeFileSync(path.join(dir, 'release.pub'), 'mine');
    const c = capture();
    assert.equal(await runCli(['keys', 'generate', 'release', '--dir', dir], c.ctx), 1);
    assert.match(c.stderr(), /release\.pub exists already: nothing was written/);
    assert.equal(fs.existsSync(path.join(dir, 'release.key')), false);
  });
});
