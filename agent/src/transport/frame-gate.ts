/**
 * The agent's rule for coordinator frames that make it act (a deploy, a stop, a preflight, the
 * welcome that names the coordinator's keys and moves the outbox): they must carry a valid
 * signature by a key the agent trusts. A refused frame runs nothing; it is journaled and reported
 * (agent.command.refused) with COMMAND_SIGNATURE_INVALID.
 *
 * An agent registered before command signing existed knows no key: it accepts unsigned frames
 * (warning each time) until a welcome brings keys, which it then keeps (trust on first use,
 * over the pinned TLS channel when there is one) and requires from then on.
 */
import type { Logger } from '../../../common/src/logger.ts';
import { isSignedCoordFrame } from '../../../protocol/src/command-signing.ts';
import type { CoordFrame } from '../../../protocol/src/messages.ts';
import type { Journal } from '../journal/journal.ts';
import type { CoordinatorKey } from '../journal/types.ts';
import { FrameVerifier } from './frame-verify.ts';

/** What the gate decided about one frame. */
export type GateDecision = { accept: true } | { accept: false; reason: string };

/** Dependencies of {@link FrameGate}. */
export interface FrameGateDeps {
  instanceId: string;
  journal: Pick<Journal, 'coordinatorKeys' | 'replaceCoordinatorKeys' | 'recordRefusal'>;
  logger: Logger;
  now: () => Date;
}

/** Checks signed coordinator frames against the trusted keys; learns new keys from signed welcomes. */
export class FrameGate {
  private readonly verifier: FrameVerifier;
  private readonly log: Logger;

  constructor(private readonly deps: FrameGateDeps) {
    this.verifier = new FrameVerifier(deps.instanceId, deps.journal.coordinatorKeys());
    this.log = deps.logger.child({ component: 'frame-gate' });
  }

  /** Accepts or refuses `frame`; a refusal is journaled and logged here, the caller reports it. */
  check(frame: CoordFrame): GateDecision {
    if (!isSignedCoordFrame(frame.type)) return { accept: true };
    if (!this.verifier.hasKeys) {
      this.log.warn('accepting an unsigned coordinator frame: this agent knows no coordinator key yet', { type: frame.type });
      this.learnKeys(frame, 'first use');
      return { accept: true };
    }
    const check = this.verifier.verify(frame, frame.sig);
    if (!check.ok) {
      const ids = commandIds(frame);
      this.deps.journal.recordRefusal({ frameType: frame.type, ...ids, code: 'COMMAND_SIGNATURE_INVALID', message: check.reason, at: this.deps.now() });
      this.log.error('refused a coordinator frame: its signature does not verify', { type: frame.type, reason: check.reason, ...ids });
      return { accept: false, reason: check.reason };
    }
    this.learnKeys(frame, 'rotation');
    return { accept: true };
  }

  /** A (verified, or first) welcome names the keys to trust from now on. */
  private learnKeys(frame: CoordFrame, why: string): void {
    if (frame.type !== 'coord.welcome' || !frame.body.coordinatorKeys || frame.body.coordinatorKeys.length === 0) return;
    const next: CoordinatorKey[] = frame.body.coordinatorKeys;
    const known = new Set(this.deps.journal.coordinatorKeys().map((k) => k.keyId));
    if (next.length === known.size && next.every((k) => known.has(k.keyId))) return;
    this.deps.journal.replaceCoordinatorKeys(next, this.deps.now());
    this.verifier.setKeys(next);
    this.log.info('coordinator keys updated', { why, keyIds: next.map((k) => k.keyId) });
  }
}

/** The command and deployment a frame names, when it names them. */
export function commandIds(frame: CoordFrame): { commandId?: string; deploymentId?: string } {
  const body = frame.body as { commandId?: unknown; deploymentId?: unknown };
  return {
    ...(typeof body.commandId === 'string' ? { commandId: body.commandId } : {}),
    ...(typeof body.deploymentId === 'string' ? { deploymentId: body.deploymentId } : {}),
  };
}
