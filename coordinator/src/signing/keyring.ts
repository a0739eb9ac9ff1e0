/**
 * The coordinator's command-signing keys (Ed25519): every frame that makes an agent act is
 * signed with the newest, so a TLS-terminating proxy or anyone else on the path cannot order an
 * agent about. `deckhand-coordinator keys rotate` adds a key; the older ones stay published (and
 * their signatures valid) until their grace period ends, so agents learn the new key from signed
 * welcomes before the old one goes.
 *
 * Kept under `<dataDir>/keys`: `keys.json` (ids and dates) and one `<keyId>.pem` private key each
 * (mode 0600, written aside and renamed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { FrameSignature } from '../../../protocol/src/command-signing.ts';

/** How long a rotated-out key stays valid. @default 7 days */
export const DEFAULT_ROTATION_GRACE_MS = 7 * 86_400_000;

/** One key as keys.json records it. */
interface KeyRecord {
  keyId: string;
  createdAt: string;
  /** When the key stops being published and accepted; absent for the newest. */
  retireAt?: string;
}

/** A key published to agents: its id and public half. */
export interface PublishedKey {
  keyId: string;
  publicKey: string;
}

function writePrivate(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The coordinator's signing keys, loaded from (and saved to) `<dataDir>/keys`. */
export class KeyRing {
  private records: KeyRecord[];
  private readonly privateKeys = new Map<string, KeyObject>();

  private constructor(private readonly dir: string) {
    const file = path.join(dir, 'keys.json');
    this.records = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { keys: KeyRecord[] }).keys : [];
  }

  /** Opens the ring in `dataDir`, making the first key when there is none. */
  static open(dataDir: string, now = new Date()): KeyRing {
    const dir = path.join(dataDir, 'keys');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ring = new KeyRing(dir);
    if (ring.records.length === 0) ring.add(now);
    return ring;
  }

  /** Adds a key that signs from now on; older unretired keys retire after `graceMs`. Returns its id. */
  rotate(now = new Date(), graceMs = DEFAULT_ROTATION_GRACE_MS): string {
    const retireAt = new Date(now.getTime() + graceMs).toISOString();
    for (const r of this.records) r.retireAt ??= retireAt;
    return this.add(now);
  }

  /** Keys agents should trust now: the newest, and older ones still in their grace period. */
  published(now = new Date()): PublishedKey[] {
    return this.live(now).map((r) => ({
      keyId: r.keyId,
      publicKey: createPublicKey(this.privateKey(r.keyId)).export({ type: 'spki', format: 'pem' }).toString(),
    }));
  }

  /** Signs `payload` with the newest key. */
  sign(payload: Uint8Array): FrameSignature {
    const newest = this.records.at(-1)!;
    return { keyId: newest.keyId, value: sign(null, payload, this.privateKey(newest.keyId)).toString('base64') };
  }

  /** Signs `payload` with every published key, so agents that know only an older one still verify it. */
  signWithAll(payload: Uint8Array, now = new Date()): FrameSignature[] {
    return this.live(now).map((r) => ({ keyId: r.keyId, value: sign(null, payload, this.privateKey(r.keyId)).toString('base64') }));
  }

  /** Every key with its dates, for `keys list`. */
  list(): readonly KeyRecord[] {
    return this.records;
  }

  private live(now: Date): KeyRecord[] {
    return this.records.filter((r) => r.retireAt === undefined || Date.parse(r.retireAt) > now.getTime());
  }

  private add(now: Date): string {
    const keyId = `k-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(4).toString('hex')}`;
    const { privateKey } = generateKeyPairSync('ed25519');
    writePrivate(path.join(this.dir, `${keyId}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    this.records.push({ keyId, createdAt: now.toISOString() });
    writePrivate(path.join(this.dir, 'keys.json'), `${JSON.stringify({ keys: this.records }, null, 2)}\n`);
    return keyId;
  }

  private privateKey(keyId: string): KeyObject {
    let key = this.privateKeys.get(keyId);
    if (!key) {
      key = createPrivateKey(fs.readFileSync(path.join(this.dir, `${keyId}.pem`)));
      this.privateKeys.set(keyId, key);
    }
    return key;
  }
}
