/**
 * The coordinator's maintenance commands, run beside (or instead of) a running coordinator on
 * the same data directory: `tls fingerprint` prints what agents pin, `keys list` and
 * `keys rotate` manage the command-signing keys.
 */
import { displayFingerprint } from '../../../common/src/tls-trust.ts';
import { KeyRing } from '../signing/keyring.ts';
import { autoCaFingerprint } from '../tls/auto.ts';

/** Output of a maintenance command: lines and an exit code. */
export interface Printed {
  out: string[];
  err: string[];
  code: number;
}

/** `tls fingerprint --data-dir DIR`. */
export function tlsFingerprint(dataDir: string): Printed {
  const sha256 = autoCaFingerprint(dataDir);
  if (sha256 === undefined) {
    return { out: [], err: [`no automatic CA in ${dataDir}/tls: the coordinator has not served --tls auto from this data directory`], code: 1 };
  }
  return { out: [sha256, `(${displayFingerprint(sha256)}; agents register with --ca-sha256 ${sha256})`], err: [], code: 0 };
}

/** `keys list --data-dir DIR`. */
export function keysList(dataDir: string, now = new Date()): Printed {
  const ring = KeyRing.open(dataDir, now);
  const live = new Set(ring.published(now).map((k) => k.keyId));
  const newest = ring.list().at(-1)?.keyId;
  const lines = ring.list().map((k) => {
    const state = k.keyId === newest ? 'signing' : live.has(k.keyId) ? `accepted until ${k.retireAt}` : `retired ${k.retireAt}`;
    return `${k.keyId}  created ${k.createdAt}  ${state}`;
  });
  return { out: lines, err: [], code: 0 };
}

/** `keys rotate --data-dir DIR [--grace D]`. */
export function keysRotate(dataDir: string, graceMs: number, now = new Date()): Printed {
  const ring = KeyRing.open(dataDir, now);
  const keyId = ring.rotate(now, graceMs);
  const until = new Date(now.getTime() + graceMs).toISOString();
  return {
    out: [
      `new signing key ${keyId}; the previous keys stay valid until ${until}`,
      'Restart the coordinator to sign with it; connected agents learn it from their next welcome.',
    ],
    err: [],
    code: 0,
  };
}
