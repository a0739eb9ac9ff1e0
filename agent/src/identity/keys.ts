/**
 * The host's Ed25519 key pair. Only the private key is stored (PKCS#8 PEM, mode 0600); the public
 * key is derived from it whenever needed.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';

/** `<root>/identity/agent.key`. */
export function privateKeyPath(root: string): string {
  return path.join(root, 'identity', 'agent.key');
}

/** Writes `data` so that a crash leaves either the old file or the new one, never a torn one. */
function writeFileAtomic(file: string, data: string, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  // The umask may have narrowed `mode` on open; it can never widen it, but be explicit.
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
  if (process.platform !== 'win32') {
    const dir = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  }
}

/** Generates a new key pair and stores its private key under `root`, replacing any old one. */
export function generateIdentityKey(root: string): KeyObject {
  const { privateKey } = generateKeyPairSync('ed25519');
  const dir = path.dirname(privateKeyPath(root));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileAtomic(privateKeyPath(root), pem, 0o600);
  return privateKey;
}

/** Loads the stored private key; throws AUTH_FAILED when it is missing or unreadable. */
export function loadIdentityKey(root: string): KeyObject {
  const file = privateKeyPath(root);
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DeckhandError('AUTH_FAILED', `cannot read the agent key ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new DeckhandError('AUTH_FAILED', `the agent key ${file} is not a valid private key`, { cause: err });
  }
}

/** The SPKI PEM of the public half of `privateKey`, as sent at registration. */
export function publicKeyPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}
