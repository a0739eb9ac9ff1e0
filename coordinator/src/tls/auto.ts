/**
 * `--tls auto`: a private CA made once per data directory, and a server certificate it signs for
 * the names the coordinator listens on. Agents pin the CA's SHA-256 fingerprint at registration;
 * the server certificate may be re-issued (new names, nearing expiry) without agents noticing.
 *
 * Certificates come from selfsigned (node-forge-free since 5.0: @peculiar/x509 and pkijs over
 * Node's WebCrypto), so there is no hand-written ASN.1 here: it makes a CA and signs a leaf with
 * it in two calls and is used by webpack-dev-server and many others. The keys are ECDSA P-256.
 */
import fs from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { certificateSha256 } from '../../../common/src/tls-trust.ts';
import { coversNames, namesOf, type CertificateNames } from './names.ts';

/** What the coordinator serves and prints. */
export interface AutoTls {
  /** The server certificate followed by the CA's, PEM: the chain agents read the pin from. */
  certChainPem: string;
  keyPem: string;
  caPem: string;
  /** Lowercase hex SHA-256 of the CA certificate. */
  caSha256: string;
}

const DAY_MS = 86_400_000;
/** The CA lives ten years; a new one would mean re-pinning every agent. */
const CA_DAYS = 3650;
/** A server certificate for 397 days (the longest browsers accept) and renewed 30 days before. */
const SERVER_DAYS = 397;
const RENEW_BEFORE_MS = 30 * DAY_MS;

/** The files under `<dataDir>/tls`. */
export function autoTlsFiles(dataDir: string): Record<'dir' | 'caCert' | 'caKey' | 'serverCert' | 'serverKey', string> {
  const dir = path.join(dataDir, 'tls');
  return {
    dir,
    caCert: path.join(dir, 'ca.pem'),
    caKey: path.join(dir, 'ca-key.pem'),
    serverCert: path.join(dir, 'server.pem'),
    serverKey: path.join(dir, 'server-key.pem'),
  };
}

/** Writes `text` with mode 0600 through a temporary file, so a crash never leaves half a key. */
function writePrivate(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

async function selfsigned(): Promise<typeof import('selfsigned')> {
  // Loaded only when a certificate is made: most starts reuse the files.
  return (await import('selfsigned')).default as unknown as typeof import('selfsigned');
}

async function makeCa(files: ReturnType<typeof autoTlsFiles>, now: Date): Promise<void> {
  const { generate } = await selfsigned();
  const ca = await generate([{ name: 'commonName', value: 'Deckhand coordinator CA' }, { name: 'organizationName', value: 'Deckhand' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + CA_DAYS * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  writePrivate(files.caKey, ca.private);
  writePrivate(files.caCert, ca.cert);
}

async function makeServer(files: ReturnType<typeof autoTlsFiles>, names: CertificateNames, now: Date): Promise<void> {
  const { generate } = await selfsigned();
  const altNames = [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))];
  const server = await generate([{ name: 'commonName', value: names.dns[0] ?? names.ips[0] ?? 'deckhand-coordinator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + SERVER_DAYS * DAY_MS),
    ca: { key: fs.readFileSync(files.caKey, 'utf8'), cert: fs.readFileSync(files.caCert, 'utf8') },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  writePrivate(files.serverKey, server.private);
  writePrivate(files.serverCert, server.cert);
}

/** True when the server certificate on disk is missing, misses a name, or expires within 30 days. */
function needsServerCert(file: string, names: CertificateNames, now: Date): boolean {
  if (!fs.existsSync(file)) return true;
  const cert = new X509Certificate(fs.readFileSync(file));
  return !coversNames(namesOf(cert.subjectAltName), names) || new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS;
}

/**
 * Makes the CA (once) and a server certificate for `names` (again when a name is missing or it
 * nears expiry), all mode 0600 under `<dataDir>/tls`, and returns what to serve.
 */
export async function ensureAutoTls(dataDir: string, names: CertificateNames, now = new Date()): Promise<AutoTls> {
  const files = autoTlsFiles(dataDir);
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(files.caCert) || !fs.existsSync(files.caKey)) await makeCa(files, now);
  if (needsServerCert(files.serverCert, names, now)) await makeServer(files, names, now);
  const caPem = fs.readFileSync(files.caCert, 'utf8');
  return {
    certChainPem: `${fs.readFileSync(files.serverCert, 'utf8').trim()}\n${caPem.trim()}\n`,
    keyPem: fs.readFileSync(files.serverKey, 'utf8'),
    caPem,
    caSha256: certificateSha256(caPem),
  };
}

/** The fingerprint of the CA made by `--tls auto` in `dataDir`; undefined when there is none. */
export function autoCaFingerprint(dataDir: string): string | undefined {
  const file = autoTlsFiles(dataDir).caCert;
  return fs.existsSync(file) ? certificateSha256(fs.readFileSync(file, 'utf8')) : undefined;
}
