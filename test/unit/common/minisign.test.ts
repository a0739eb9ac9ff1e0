import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPair, MinisignError, parsePublicKey, parseSecretKey, signMessage, verifyMessage } from '../../../common/src/minisign.ts';
import { requireTool } from '../../support/requirements.ts';

describe('minisign signatures', function () {
  const message = Buffer.from('deckhand-revision\napplication=web\ncounter=7\nsha256=00\n');
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-minisign-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('signs and verifies, binding the message and the trusted comment', function () {
    const pair = generateKeyPair();
    const secret = parseSecretKey(pair.secretKeyFile);
    const pub = parsePublicKey(pair.publicKeyFile);
    const sig = signMessage(message, secret, 'deckhand-revision web 7');
    assert.deepEqual(verifyMessage(message, sig, [pub]), { keyId: pair.keyId, trustedComment: 'deckhand-revision web 7' });
    assert.throws(() => verifyMessage(Buffer.from('other'), sig, [pub]), /does not match: the signed content differs/);
    const altered = sig.replace('trusted comment: deckhand-revision web 7', 'trusted comment: deckhand-revision web 9');
    assert.throws(() => verifyMessage(message, altered, [pub]), /trusted comment .* was altered/);
  });

  it('refuses a signature by a key that is not trusted, naming both', function () {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const sig = signMessage(message, parseSecretKey(a.secretKeyFile), 'x');
    assert.throws(() => verifyMessage(message, sig, [parsePublicKey(b.publicKeyFile)]), new RegExp(`by key ${a.keyId}, which is not trusted here \\(trusted: ${b.keyId}\\)`));
  });

  it('refuses malformed keys and signatures with a clear error', function () {
    assert.throws(() => parsePublicKey('RWnotakey'), MinisignError);
    assert.throws(() => parsePublicKey('hello world'), /no base64 key line/);
    assert.throws(() => verifyMessage(message, 'untrusted comment: x\nAAAA\n', []), /is not a minisign signature/);
    const pair = generateKeyPair();
    const [comment, line] = pair.secretKeyFile.split('\n');
    const bytes = Buffer.from(line!, 'base64');
    bytes[54 + 8 + 5]! ^= 0xff; // a byte of the secret key itself
    assert.throws(() => parseSecretKey(`${comment}\n${bytes.toString('base64')}\n`), /fails its checksum: it is damaged/);
  });

  describe('with the minisign tool', function () {
    beforeEach(function () {
      requireTool(this, 'minisign', 'minisign', ['-v']);
    });

    it('verifies with minisign what deckhand signed', function () {
      const pair = generateKeyPair();
      fs.writeFileSync(path.join(dir, 'k.pub'), pair.publicKeyFile);
      fs.writeFileSync(path.join(dir, 'm'), message);
      fs.writeFileSync(path.join(dir, 'm.minisig'), signMessage(message, parseSecretKey(pair.secretKeyFile), 'deckhand-revision web 7'));
      const out = execFileSync('minisign', ['-V', '-p', path.join(dir, 'k.pub'), '-m', path.join(dir, 'm')], { encoding: 'utf8' });
      assert.match(out, /Signature and comment signature verified/);
    });

    it('verifies what minisign signed with a key deckhand generated', function () {
      const pair = generateKeyPair();
      fs.writeFileSync(path.join(dir, 'k.key'), pair.secretKeyFile);
      fs.writeFileSync(path.join(dir, 'm'), message);
      execFileSync('minisign', ['-S', '-s', path.join(dir, 'k.key'), '-m', path.join(dir, 'm'), '-t', 'made by minisign'], { stdio: 'ignore' });
      const sig = fs.readFileSync(path.join(dir, 'm.minisig'), 'utf8');
      assert.equal(verifyMessage(message, sig, [parsePublicKey(pair.publicKeyFile)]).trustedComment, 'made by minisign');
    });

    it('reads a key pair minisign generated without a password', function () {
      execFileSync('minisign', ['-G', '-W', '-p', path.join(dir, 'k.pub'), '-s', path.join(dir, 'k.key')], { stdio: 'ignore' });
      const secret = parseSecretKey(fs.readFileSync(path.join(dir, 'k.key'), 'utf8'));
      const pub = parsePublicKey(fs.readFileSync(path.join(dir, 'k.pub'), 'utf8'));
      assert.equal(secret.keyId, pub.keyId);
      assert.equal(verifyMessage(message, signMessage(message, secret, 'x'), [pub]).keyId, pub.keyId);
    });
  });
});
