/**
 * Revision signatures in minisign's formats (https://jedisct1.github.io/minisign/), so that an
 * operator can make and check them with the minisign tool as well as with `deckhand`: Ed25519
 * keys, a public key line `RW...`, a signature file of four lines whose signature is over the
 * BLAKE2b-512 hash of the message ("ED", prehashed) and whose trusted comment is signed too.
 *
 * Secret keys are read only unencrypted (`minisign -G -W`, or `deckhand keys generate`): a CI
 * job holds its key as a secret file, and decrypting minisign's scrypt-protected keys would mean
 * writing its KDF by hand. Only Node's crypto is used.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';

/** A key or signature that cannot be used; the message names what is wrong. */
export class MinisignError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MinisignError';
  }
}

/** A public key: minisign's 8-byte key id (as 16 uppercase hex digits, as minisign prints it) and the key. */
export interface MinisignPublicKey {
  keyId: string;
  key: KeyObject;
  /** The `RW...` line, as the operator wrote it. */
  line: string;
}

/** A secret key read from an unencrypted minisign secret key file. */
export interface MinisignSecretKey {
  keyId: string;
  key: KeyObject;
  publicKey: MinisignPublicKey;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
/** minisign prints key ids as the little-endian 64-bit number in hex. */
const keyIdHex = (id: Buffer): string => Buffer.from(id).reverse().toString('hex').toUpperCase();

/** The one base64 line of a minisign file (comments skipped), decoded. */
function payloadLine(text: string, what: string): { line: string; bytes: Buffer } {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('untrusted comment:'));
  if (!line || !/^[A-Za-z0-9+/]+=*$/.test(line)) throw new MinisignError(`${what} holds no base64 key line`);
  return { line, bytes: Buffer.from(line, 'base64') };
}

function ed25519Public(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(raw) }, format: 'jwk' });
}

/** Reads a minisign public key: the `RW...` line alone or a whole `.pub` file. */
export function parsePublicKey(text: string, what = 'the public key'): MinisignPublicKey {
  const { line, bytes } = payloadLine(text, what);
  if (bytes.length !== 42 || bytes.subarray(0, 2).toString('latin1') !== 'Ed') {
    throw new MinisignError(`${what} is not a minisign Ed25519 public key (an RW... line of 56 characters is expected)`);
  }
  return { keyId: keyIdHex(bytes.subarray(2, 10)), key: ed25519Public(bytes.subarray(10)), line };
}

/** minisign's secret-key checksum: BLAKE2b with a 32-byte digest, which Node's crypto lacks. */
function keyChecksum(sigAlg: Buffer, keyId: Buffer, sk: Buffer): Buffer {
  return Buffer.from(blake2b(Buffer.concat([sigAlg, keyId, sk]), { dkLen: 32 }));
}

/** Reads an unencrypted minisign secret key file. */
export function parseSecretKey(text: string, what = 'the secret key'): MinisignSecretKey {
  const { bytes } = payloadLine(text, what);
  if (bytes.length !== 158 || bytes.subarray(0, 2).toString('latin1') !== 'Ed') throw new MinisignError(`${what} is not a minisign secret key`);
  if (bytes.subarray(2, 4).readUInt16LE() !== 0) {
    throw new MinisignError(`${what} is encrypted with a password; deckhand reads unencrypted keys only (deckhand keys generate, or minisign -G -W)`);
  }
  const keynum = bytes.subarray(54);
  const id = keynum.subarray(0, 8);
  const sk = keynum.subarray(8, 72);
  // minisign -G -W (0.11) leaves the checksum of an unencrypted key all zeros: nothing to check then.
  const stored = keynum.subarray(72, 104);
  if (stored.some((b) => b !== 0) && !keyChecksum(bytes.subarray(0, 2), id, sk).equals(stored)) throw new MinisignError(`${what} fails its checksum: it is damaged`);
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(sk.subarray(0, 32)), x: b64url(sk.subarray(32)) }, format: 'jwk' });
  const line = b64(Buffer.concat([Buffer.from('Ed', 'latin1'), id, sk.subarray(32)]));
  const publicKey = { keyId: keyIdHex(id), key: ed25519Public(sk.subarray(32)), line };
  return { keyId: publicKey.keyId, key, publicKey };
}

/** A new key pair as minisign writes it with `-G -W`: the secret key file (unencrypted) and the public key file. */
export function generateKeyPair(): { secretKeyFile: string; publicKeyFile: string; keyId: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const pk = Buffer.from(jwk.x ?? '', 'base64url');
  const id = randomBytes(8);
  const sk = Buffer.concat([seed, pk]);
  const sigAlg = Buffer.from('Ed', 'latin1');
  const head = Buffer.concat([sigAlg, Buffer.alloc(2), Buffer.from('B2', 'latin1'), Buffer.alloc(32), Buffer.alloc(8), Buffer.alloc(8)]);
  const secret = Buffer.concat([head, id, sk, keyChecksum(sigAlg, id, sk)]);
  const keyId = keyIdHex(id);
  return {
    keyId,
    secretKeyFile: `untrusted comment: minisign secret key ${keyId} (deckhand, unencrypted)\n${b64(secret)}\n`,
    publicKeyFile: `untrusted comment: minisign public key ${keyId}\n${b64(Buffer.concat([sigAlg, id, pk]))}\n`,
  };
}

/** Signs `message` as `minisign -S -H` does (prehashed), with `trustedComment` signed too; returns the .minisig text. */
export function signMessage(message: Uint8Array, secret: MinisignSecretKey, trustedComment: string): string {
  if (/[\r\n]/.test(trustedComment)) throw new MinisignError('a trusted comment is one line');
  const id = Buffer.from(secret.keyId, 'hex').reverse();
  const signature = sign(null, createHash('blake2b512').update(message).digest(), secret.key);
  const global = sign(null, Buffer.concat([signature, Buffer.from(trustedComment, 'utf8')]), secret.key);
  return [
    `untrusted comment: signature from deckhand secret key ${secret.keyId}`,
    b64(Buffer.concat([Buffer.from('ED', 'latin1'), id, signature])),
    `trusted comment: ${trustedComment}`,
    b64(global),
    '',
  ].join('\n');
}

/** A signature checked: which key made it, and its trusted comment. */
export interface VerifiedSignature {
  keyId: string;
  trustedComment: string;
}

/** The parts of a .minisig text; throws MinisignError naming what is malformed. */
function parseSignature(text: string): { alg: string; keyId: string; signature: Buffer; trustedComment: string; global: Buffer } {
  const lines = text.split(/\r?\n/);
  const sigLine = lines[1]?.trim() ?? '';
  const comment = lines[2] ?? '';
  const globalLine = lines[3]?.trim() ?? '';
  if (!lines[0]?.startsWith('untrusted comment:') || !comment.startsWith('trusted comment: ') || !/^[A-Za-z0-9+/]+=*$/.test(sigLine) || !/^[A-Za-z0-9+/]+=*$/.test(globalLine)) {
    throw new MinisignError('the signature is not a minisign signature (four lines: untrusted comment, signature, trusted comment, global signature)');
  }
  const raw = Buffer.from(sigLine, 'base64');
  const global = Buffer.from(globalLine, 'base64');
  if (raw.length !== 74 || global.length !== 64) throw new MinisignError('the signature has the wrong length: it is cut short or altered');
  return { alg: raw.subarray(0, 2).toString('latin1'), keyId: keyIdHex(raw.subarray(2, 10)), signature: raw.subarray(10), trustedComment: comment.slice('trusted comment: '.length), global };
}

/** Reads a .minisig without checking it against any key: which key made it, and its trusted comment. Throws MinisignError when malformed. */
export function describeSignature(signatureText: string): VerifiedSignature {
  const sig = parseSignature(signatureText);
  return { keyId: sig.keyId, trustedComment: sig.trustedComment };
}

/**
 * Verifies a .minisig over `message` against `keys`: the key it names must be one of them, the
 * signature over the message (prehashed "ED", or legacy "Ed") and the one over the trusted
 * comment must both hold. Throws MinisignError saying which check failed.
 */
export function verifyMessage(message: Uint8Array, signatureText: string, keys: readonly MinisignPublicKey[]): VerifiedSignature {
  const sig = parseSignature(signatureText);
  const key = keys.find((k) => k.keyId === sig.keyId);
  if (!key) throw new MinisignError(`the signature is by key ${sig.keyId}, which is not trusted here (trusted: ${keys.map((k) => k.keyId).join(', ') || 'none'})`);
  const signed = sig.alg === 'ED' ? createHash('blake2b512').update(message).digest() : sig.alg === 'Ed' ? Buffer.from(message) : undefined;
  if (signed === undefined) throw new MinisignError(`the signature uses an unknown algorithm "${sig.alg}"`);
  if (!verify(null, signed, key.key, sig.signature)) throw new MinisignError(`the signature by key ${sig.keyId} does not match: the signed content differs`);
  if (!verify(null, Buffer.concat([sig.signature, Buffer.from(sig.trustedComment, 'utf8')]), key.key, sig.global)) {
    throw new MinisignError(`the trusted comment of the signature by key ${sig.keyId} was altered`);
  }
  return { keyId: sig.keyId, trustedComment: sig.trustedComment };
}
