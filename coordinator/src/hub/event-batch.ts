/**
 * Agent events applied in bursts: every event frame that arrives before the event loop turns
 * (one socket read, or many agents' reads in the same I/O phase) is applied in ONE transaction,
 * and each session then gets one cumulative coord.ack with its cursor. Exactly-once is kept per
 * frame (an event applies only when its seq is the session's cursor + 1, together with the cursor
 * update), and nothing is sent before the transaction has committed (reliability.md §6).
 */
import type { AgentEventBody } from '../../../protocol/src/index.ts';
import type { Db } from '../store/db.ts';
import { prepared } from '../scheduler/statements.ts';
import type { FrameContext, Session } from './frames.ts';
import type { AfterCommit } from './types.ts';

interface Queued {
  session: Session;
  body: AgentEventBody;
}

/** Where one session's frames of a burst left its cursor. */
interface Outcome {
  seq: number;
  /** Set when applying one of its events threw: the later ones of the burst are not tried. */
  failed: boolean;
  /** The cursor moved in this burst. */
  advanced: boolean;
}

interface Applied {
  instanceId: string;
  seq: number;
  after: AfterCommit;
}

/** The host's exactly-once cursor (0 for an unknown host); reads one column, not the inventory JSON. */
export function lastAppliedSeq(db: Db, instanceId: string): number {
  const r = prepared(db, 'SELECT last_applied_seq FROM instances WHERE instance_id = ?').get(instanceId) as { last_applied_seq: number } | undefined;
  return r?.last_applied_seq ?? 0;
}

/** The event frames received and not applied yet, across every session of one hub. */
export class EventBatch {
  private queue: Queued[] = [];
  private scheduled = false;

  /** Queues an event; the burst is applied once the current I/O phase is over. */
  add(ctx: FrameContext, session: Session, body: AgentEventBody): void {
    this.queue.push({ session, body });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush(ctx));
  }

  /** Applies, acks and runs the after-commit work of everything queued. Never throws. */
  flush(ctx: FrameContext): void {
    this.scheduled = false;
    const items = this.queue;
    if (items.length === 0) return;
    this.queue = [];
    const applied: Applied[] = [];
    let outcomes: Map<Session, Outcome>;
    try {
      outcomes = ctx.db.transaction(() => this.applyAll(ctx, items, applied))();
    } catch (err) {
      ctx.log.error('applying agent events failed', { events: items.length, err });
      for (const session of new Set(items.map((i) => i.session))) sendError(ctx, session);
      return;
    }
    reply(ctx, outcomes);
    for (const a of applied) {
      try {
        a.after();
      } catch (err) {
        ctx.log.error('after-commit work failed', { instanceId: a.instanceId, seq: a.seq, err });
      }
    }
  }

  private applyAll(ctx: FrameContext, items: readonly Queued[], applied: Applied[]): Map<Session, Outcome> {
    const { db, sink, log } = ctx;
    const outcomes = new Map<Session, Outcome>();
    for (const { session, body } of items) {
      const { instanceId } = session;
      const outcome = outcomes.get(session) ?? { seq: lastAppliedSeq(db, instanceId), failed: false, advanced: false };
      outcomes.set(session, outcome);
      if (outcome.failed) continue;
      if (!sink || body.seq !== outcome.seq + 1) {
        log.debug('agent event not applied', { instanceId, seq: body.seq, cursor: outcome.seq });
        continue;
      }
      try {
        // A savepoint per event: one that throws is undone alone, the rest of the burst commits.
        const after = db.transaction(() => {
          const work = sink.applyAgentEvent(instanceId, body);
          prepared(db, 'UPDATE instances SET last_applied_seq = ? WHERE instance_id = ?').run(body.seq, instanceId);
          return work;
        })();
        Object.assign(outcome, { seq: body.seq, advanced: true });
        applied.push({ instanceId, seq: body.seq, after });
      } catch (err) {
        log.error('handling agent frame failed', { instanceId, type: 'agent.event', seq: body.seq, err });
        outcome.failed = true;
      }
    }
    return outcomes;
  }
}

function reply(ctx: FrameContext, outcomes: Map<Session, Outcome>): void {
  for (const [session, outcome] of outcomes) {
    // A failed event is answered like any failed frame; what did apply before it is acked.
    if (!outcome.failed || outcome.advanced) ctx.send(session, 'coord.ack', { seq: outcome.seq });
    if (outcome.failed) sendError(ctx, session);
  }
}

function sendError(ctx: FrameContext, session: Session): void {
  // Internal details (SQL, paths) stay in our log; the agent may retry later.
  ctx.send(session, 'coord.error', { code: 'INTERNAL', message: 'could not handle agent.event', retryable: true });
}
