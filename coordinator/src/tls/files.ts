/**
 * The operator's certificate (`--tls-cert FILE --tls-key FILE`): PEM, a chain allowed. Read and
 * checked at start and on SIGHUP, so a bad file is refused with what is wrong (unreadable, cut
 * short, not a key for this certificate, expired, not yet valid) and the running server keeps
 * what it has.
 */
import fs from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { DeckhandError } from '../../../protocol/src/index.ts';

/** A certificate chain and its key, checked. */
export interface TlsMaterial {
  certChainPem: string;
  keyPem: string;
  /** The leaf's notAfter, for the start log. */
  validTo: Date;
}

function invalid(message: string, cause?: unknown): DeckhandError {
  return new DeckhandError('VALIDATION_FAILED', message, cause === undefined ? {} : { cause });
}

function read(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalid(`${flag} ${file} cannot be read: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`, err);
  }
}

/** The PEM certificates of `text`, in order; throws naming `file` when there is none or one is cut short. */
function certificates(text: string, file: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    const cut = text.includes('-----BEGIN CERTIFICATE-----') ? ' (a certificate starts but never ends: is the file cut short?)' : '';
    throw invalid(`--tls-cert ${file} holds no PEM certificate${cut}`);
  }
  return blocks.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw invalid(`--tls-cert ${file}: certificate ${i + 1} cannot be read (${(err as Error).message}); is it cut short?`, err);
    }
  });
}

/** Reads and checks the operator's certificate and key. */
export function loadTlsFiles(certFile: string, keyFile: string, now = new Date()): TlsMaterial {
  const certText = read(certFile, '--tls-cert');
  const keyText = read(keyFile, '--tls-key');
  const [leaf] = certificates(certText, certFile);
  let key;
  try {
    key = createPrivateKey(keyText);
  } catch (err) {
    throw invalid(`--tls-key ${keyFile} holds no private key that can be read (${(err as Error).message}); a PEM key, unencrypted, is expected`, err);
  }
  if (!leaf!.checkPrivateKey(key)) throw invalid(`--tls-key ${keyFile} is not the key of the certificate in ${certFile} (${leaf!.subject.replace(/\n/g, ', ')})`);
  const validFrom = new Date(leaf!.validFrom);
  const validTo = new Date(leaf!.validTo);
  if (now < validFrom) throw invalid(`the certificate in ${certFile} is not valid before ${validFrom.toISOString()}`);
  if (now > validTo) throw invalid(`the certificate in ${certFile} expired on ${validTo.toISOString()}`);
  return { certChainPem: certText, keyPem: keyText, validTo };
}
