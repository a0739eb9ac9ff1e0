import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FrameVerifier } from '../../../../agent/src/transport/frame-verify.ts';
import { KeyRing } from '../../../../coordinator/src/signing/keyring.ts';
import { frameSigningPayload } from '../../../../protocol/src/command-signing.ts';

describe('FrameVerifier (coordinator signatures checked by the agent)', function () {
  let dir: string;
  let ring: KeyRing;
  const frame = { type: 'coord.command', id: 'f-1', ts: '2026-01-01T00:00:00.000Z', body: { commandId: 'c-AAAAAAAA', deploymentId: 'd-AAAAAAAA' } };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-ring-'));
    ring = KeyRing.open(dir);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts a frame signed for this agent by a key it trusts', function () {
    const verifier = new FrameVerifier('i-AAAAAAAA', ring.published());
    const sig = ring.sign(frameSigningPayload('i-AAAAAAAA', frame));
    assert.deepEqual(verifier.verify(frame, [sig]), { ok: true, keyId: sig.keyId });
  });

  it('refuses an unsigned frame', function () {
    const check = new FrameVerifier('i-AAAAAAAA', ring.published()).verify(frame, undefined);
    assert.equal(check.ok, false);
    assert.match(!check.ok ? check.reason : '', /carries no signature/);
  });

  it('refuses a frame signed for another host (replayed across agents)', function () {
    const sig = ring.sign(frameSigningPayload('i-BBBBBBBB', frame));
    const check = new FrameVerifier('i-AAAAAAAA', ring.published()).verify(frame, [sig]);
    assert.match(!check.ok ? check.reason : '', /does not verify/);
  });

  it('refuses a frame whose body was changed after signing', function () {
    const sig = ring.sign(frameSigningPayload('i-AAAAAAAA', frame));
    const altered = { ...frame, body: { ...frame.body, deploymentId: 'd-BBBBBBBB' } };
    assert.equal(new FrameVerifier('i-AAAAAAAA', ring.published()).verify(altered, [sig]).ok, false);
  });

  it('refuses a frame signed by a key it does not trust, naming both', function () {
    const other = KeyRing.open(fs.mkdtempSync(path.join(os.tmpdir(), 'dh-ring-other-')));
    const sig = other.sign(frameSigningPayload('i-AAAAAAAA', frame));
    const check = new FrameVerifier('i-AAAAAAAA', ring.published()).verify(frame, [sig]);
    assert.match(!check.ok ? check.reason : '', /none of which this agent trusts/);
  });

  it('keeps verifying with the old key during a rotation, and the new one after', function () {
    const verifier = new FrameVerifier('i-AAAAAAAA', ring.published());
    const now = new Date();
    ring.rotate(now, 60_000);
    const both = ring.signWithAll(frameSigningPayload('i-AAAAAAAA', frame), now);
    assert.equal(both.length, 2);
    assert.equal(verifier.verify(frame, both).ok, true, 'an agent that knows only the old key');
    verifier.setKeys(ring.published(now));
    assert.equal(verifier.verify(frame, [ring.sign(frameSigningPayload('i-AAAAAAAA', frame))]).ok, true, 'after learning the new key');
    assert.equal(ring.published(new Date(now.getTime() + 61_000)).length, 1, 'the old key retires after its grace');
  });
});
