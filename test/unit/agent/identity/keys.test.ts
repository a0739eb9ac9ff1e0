import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import { generateIdentityKey, loadIdentityKey, privateKeyPath, publicKeyPem } from '../../../../agent/src/identity/keys.ts';
import { signRequest } from '../../../../agent/src/identity/sign.ts';
import { SIGNATURE_HEADERS, signingPayload } from '../../../../protocol/src/index.ts';
import { removeDir, tempDir } from '../journal/fixtures.ts';

describe('identity keys', () => {
  let root: string;
  beforeEach(() => {
    root = tempDir();
  });
  afterEach(() => removeDir(root));

  describe('#generateIdentityKey', () => {
    it('writes the private key as PKCS#8 PEM with mode 0600', function () {
      if (process.platform === 'win32') this.skip();
      generateIdentityKey(root);
      const file = privateKeyPath(root);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.match(fs.readFileSync(file, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    });

    it('can be loaded back as the same key', () => {
      const key = generateIdentityKey(root);
      assert.equal(publicKeyPem(loadIdentityKey(root)), publicKeyPem(key));
    });
  });

  describe('#loadIdentityKey', () => {
    it('fails with AUTH_FAILED naming the file when the key is missing', () => {
      assert.throws(() => loadIdentityKey(root), (err: Error & { code?: string }) => err.code === 'AUTH_FAILED' && err.message.includes('agent.key'));
    });
  });

  describe('#signRequest', () => {
    it('produces headers whose signature verifies with the public key', () => {
      const privateKey = generateIdentityKey(root);
      const now = new Date('2026-01-01T00:00:00Z');
      const headers = signRequest({ instanceId: 'i-INST0001', privateKey }, 'get', '/v1/agent/connect', now);
      assert.equal(headers[SIGNATURE_HEADERS.timestamp], String(now.getTime()));
      const payload = signingPayload({
        instanceId: 'i-INST0001',
        timestamp: headers[SIGNATURE_HEADERS.timestamp] ?? '',
        nonce: headers[SIGNATURE_HEADERS.nonce] ?? '',
        method: 'GET',
        path: '/v1/agent/connect',
      });
      const signature = Buffer.from(headers[SIGNATURE_HEADERS.signature] ?? '', 'base64');
      assert.equal(verify(null, payload, createPublicKey(publicKeyPem(privateKey)), signature), true);
    });

    it('uses a fresh 16-byte nonce on every call', () => {
      const privateKey = generateIdentityKey(root);
      const a = signRequest({ instanceId: 'i-INST0001', privateKey }, 'GET', '/p');
      const b = signRequest({ instanceId: 'i-INST0001', privateKey }, 'GET', '/p');
      assert.notEqual(a[SIGNATURE_HEADERS.nonce], b[SIGNATURE_HEADERS.nonce]);
      assert.equal(Buffer.from(a[SIGNATURE_HEADERS.nonce] ?? '', 'base64url').length, 16);
    });
  });
});
