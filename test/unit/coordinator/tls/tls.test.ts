import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { autoCaFingerprint, autoTlsFiles, ensureAutoTls } from '../../../../coordinator/src/tls/auto.ts';
import { loadTlsFiles } from '../../../../coordinator/src/tls/files.ts';
import { tlsMode } from '../../../../coordinator/src/tls/mode.ts';
import { certificateNames } from '../../../../coordinator/src/tls/names.ts';
import { certificateSha256 } from '../../../../common/src/tls-trust.ts';

describe('coordinator TLS', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-tls-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('tlsMode', function () {
    it('serves plain HTTP on loopback by default and TLS (auto) anywhere else', function () {
      assert.deepEqual(tlsMode({ host: '127.0.0.1' }), { kind: 'plain', warn: false });
      assert.deepEqual(tlsMode({ host: '0.0.0.0' }), { kind: 'auto' });
      assert.deepEqual(tlsMode({ host: '10.1.2.3' }), { kind: 'auto' });
    });

    it('serves plain HTTP off loopback only with --insecure-http, and warns', function () {
      assert.deepEqual(tlsMode({ host: '0.0.0.0', insecureHttp: true }), { kind: 'plain', warn: true });
    });

    it('refuses half a certificate and contradictory flags', function () {
      assert.equal(tlsMode({ host: '0.0.0.0', tlsCert: 'c.pem' }), '--tls-cert and --tls-key go together');
      assert.match(String(tlsMode({ host: '0.0.0.0', tls: 'auto', insecureHttp: true })), /contradict/);
    });
  });

  describe('ensureAutoTls', function () {
    const names = certificateNames('127.0.0.1', ['deckhand.example']);

    it('makes a CA once and a server certificate it signs for the listen names, keys mode 0600', async function () {
      const first = await ensureAutoTls(dir, names);
      const files = autoTlsFiles(dir);
      for (const f of [files.caKey, files.serverKey, files.caCert, files.serverCert]) assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
      const [leafPem] = first.certChainPem.split(/(?<=-----END CERTIFICATE-----)\n/);
      const leaf = new X509Certificate(leafPem!);
      const ca = new X509Certificate(first.caPem);
      assert.equal(ca.ca, true);
      assert.equal(leaf.verify(ca.publicKey), true);
      assert.match(leaf.subjectAltName ?? '', /DNS:deckhand\.example/);
      assert.match(leaf.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
      assert.equal(first.caSha256, certificateSha256(first.caPem));
      assert.equal(autoCaFingerprint(dir), first.caSha256);
      const again = await ensureAutoTls(dir, names);
      assert.equal(again.caSha256, first.caSha256);
      assert.equal(again.certChainPem, first.certChainPem, 'nothing is re-issued when the names are covered');
    });

    it('re-issues the server certificate for a new name under the same CA', async function () {
      const first = await ensureAutoTls(dir, names);
      const more = await ensureAutoTls(dir, certificateNames('127.0.0.1', ['deckhand.example', 'other.example']));
      assert.equal(more.caSha256, first.caSha256);
      assert.notEqual(more.certChainPem, first.certChainPem);
      assert.match(new X509Certificate(more.certChainPem).subjectAltName ?? '', /DNS:other\.example/);
    });
  });

  describe('loadTlsFiles', function () {
    async function material(): Promise<{ cert: string; key: string }> {
      const made = await ensureAutoTls(dir, certificateNames('127.0.0.1', []));
      const cert = path.join(dir, 'op.pem');
      const key = path.join(dir, 'op-key.pem');
      fs.writeFileSync(cert, made.certChainPem);
      fs.writeFileSync(key, made.keyPem);
      return { cert, key };
    }

    it('accepts a chain and its key', async function () {
      const { cert, key } = await material();
      assert.ok(loadTlsFiles(cert, key).validTo > new Date());
    });

    it('refuses a truncated certificate, naming the file', async function () {
      const { cert, key } = await material();
      fs.writeFileSync(cert, fs.readFileSync(cert, 'utf8').slice(0, 300));
      assert.throws(() => loadTlsFiles(cert, key), /holds no PEM certificate \(a certificate starts but never ends: is the file cut short\?\)/);
    });

    it('refuses an unreadable key file and a key of another certificate', async function () {
      const { cert, key } = await material();
      assert.throws(() => loadTlsFiles(cert, path.join(dir, 'missing.pem')), /--tls-key .*missing\.pem cannot be read: no such file/);
      fs.writeFileSync(key, fs.readFileSync(autoTlsFiles(dir).caKey));
      assert.throws(() => loadTlsFiles(cert, key), /is not the key of the certificate/);
    });

    it('refuses an expired certificate and one not valid yet', async function () {
      const { cert, key } = await material();
      assert.throws(() => loadTlsFiles(cert, key, new Date(Date.now() + 5 * 365 * 86_400_000)), /expired on/);
      assert.throws(() => loadTlsFiles(cert, key, new Date(Date.now() - 86_400_000)), /is not valid before/);
    });
  });
});
