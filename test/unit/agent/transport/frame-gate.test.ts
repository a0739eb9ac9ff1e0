import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../../common/src/logger.ts';
import { Journal } from '../../../../agent/src/journal/journal.ts';
import { FrameGate } from '../../../../agent/src/transport/frame-gate.ts';
import { ringSigner } from '../../../../coordinator/src/signing/frame-signer.ts';
import { KeyRing } from '../../../../coordinator/src/signing/keyring.ts';
import { makeFrame, type CoordFrame } from '../../../../protocol/src/index.ts';

describe('FrameGate (which coordinator frames an agent acts on)', function () {
  let dir: string;
  let journal: Journal;
  let ring: KeyRing;
  const now = new Date('2026-06-01T00:00:00Z');
  const instanceId = 'i-AAAAAAAA';

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-gate-'));
    journal = Journal.open(path.join(dir, 'agent.db'));
    ring = KeyRing.open(path.join(dir, 'coordinator'), now);
  });
  afterEach(() => {
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const gate = () => new FrameGate({ instanceId, journal, logger: silentLogger(), now: () => now });
  const signer = () => ringSigner(ring, () => now);
  function signed(frame: CoordFrame): CoordFrame {
    const sig = signer().sign(instanceId, frame);
    return sig ? { ...frame, sig } : frame;
  }
  const cancel = (): CoordFrame => makeFrame('coord.cancel', 'f-1', { commandId: 'c-AAAAAAAA', deploymentId: 'd-AAAAAAAA' }, now) as CoordFrame;
  const welcome = (): CoordFrame => makeFrame('coord.welcome', 'f-2', { instanceId, lastAppliedSeq: 0, heartbeatMs: 1000, coordinatorKeys: signer().published() }, now) as CoordFrame;

  it('acts on frames that need no signature (acks, errors) without one', function () {
    journal.replaceCoordinatorKeys(ring.published(now), now);
    assert.deepEqual(gate().check(makeFrame('coord.ack', 'f-3', { seq: 1 }, now) as CoordFrame), { accept: true });
  });

  it('refuses an unsigned command once it knows the coordinator keys, and journals the refusal', function () {
    journal.replaceCoordinatorKeys(ring.published(now), now);
    const decision = gate().check(cancel());
    assert.equal(decision.accept, false);
    assert.deepEqual(journal.refusals().map((r) => [r.frameType, r.commandId, r.code]), [['coord.cancel', 'c-AAAAAAAA', 'COMMAND_SIGNATURE_INVALID']]);
  });

  it('accepts a command signed for it', function () {
    journal.replaceCoordinatorKeys(ring.published(now), now);
    assert.deepEqual(gate().check(signed(cancel())), { accept: true });
  });

  it('learns the new key from a welcome signed by every published key during a rotation', function () {
    journal.replaceCoordinatorKeys(ring.published(now), now);
    const g = gate();
    ring.rotate(now, 86_400_000);
    assert.deepEqual(g.check(signed(welcome())), { accept: true });
    assert.equal(journal.coordinatorKeys().length, 2);
    assert.deepEqual(g.check(signed(cancel())), { accept: true }, 'a command signed with the new key');
  });

  it('takes the keys of the first welcome when it knows none (an agent registered before signing), then requires them', function () {
    const g = gate();
    assert.deepEqual(g.check(welcome()), { accept: true });
    assert.equal(journal.coordinatorKeys().length, 1);
    assert.equal(g.check(cancel()).accept, false);
  });
});
