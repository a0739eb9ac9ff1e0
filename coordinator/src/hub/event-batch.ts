/**
 * Agent events applied in bursts: every event frame that arrives before its burst starts (the
 * agents' reads of one I/O phase, and everything received while the bursts before it were being
 * applied) is applied in ONE unit of work, up to the store's bound (Store.burstFrames: 500 frames
 * on SQLite, more on PostgreSQL), and each session then gets one cumulative coord.ack with its
 * cursor. Exactly-once is kept per frame (an event applies only when its seq
 * is the session's cursor + 1, in the unit of work that moves the cursor), and nothing is sent
 * before it has committed (reliability.md §6). Command acks (agent.command.ack) join the burst
 * in arrival order: handled on their own, each one ended the burst before it and cost a commit,
 * which at 10,000 hosts made bursts per host.
 *
 * Bursts, and the work of other frames, run one after another in arrival order; hellos run
 * beside them, after their own host's frames only (hello-lane.ts). A unit of work on SQLite
 * never gives the event loop back (its statements are synchronous), so one burst holds the
 * coordinator for as long as it takes: at 10,000 hosts one I/O phase brought 20,000 frames and a
 * 3 s burst that left HTTP requests unanswered. So a burst is cut at its frame bound, and work
 * that waited behind other work first lets the event loop turn (setImmediate): HTTP requests
 * and socket reads get in between two bursts. Order and exactly-once do not change: bursts still
 * run one at a time in arrival order, and a session's frames split over two bursts are applied
 * as if they had arrived in two I/O phases. On PostgreSQL a unit of work waits on round trips
 * instead, a few per burst whatever its size, so its bound is larger (Store.burstFrames).
 *
 * A burst keeps taking frames until it starts, so a slow store makes bursts bigger, not the queue
 * longer: cutting one at every turn of the event loop queued hundreds of small bursts behind a
 * slow commit, each with its own round trips, and with 300 hosts reporting at once on PostgreSQL
 * events were applied a minute after they arrived.
 */
import { turnEventLoop } from '../../../common/src/event-loop.ts';
import type { AgentEventBody } from '../../../protocol/src/index.ts';
import type { AgentEventItem } from '../store/deployments/targets.ts';
import type { UnitOfWork } from '../store/store.ts';
import { HelloLane } from './hello-lane.ts';
import type { EventQueue, FrameContext, Session } from './session.ts';
import type { AfterCommit, AgentEventSink } from './types.ts';

/** A frame waiting in the burst: an event, or a command ack. */
type Queued = { session: Session; body: AgentEventBody } | { session: Session; commandId: string };

/** Where one session's frames of a burst left its cursor. */
interface Outcome {
  seq: number;
  /** Set when applying one of its events threw: the later ones of the burst are not tried. */
  failed: boolean;
  /** The cursor moved in this burst. */
  advanced: boolean;
  /** The session sent events in this burst (only they are answered with coord.ack). */
  hadEvents: boolean;
  /** Applying a command ack of this session threw. */
  ackFailed: boolean;
}

interface Applied {
  instanceId: string;
  seq: number;
  after: AfterCommit;
}

/** What one committed burst did. */
interface Burst {
  outcomes: Map<Session, Outcome>;
  applied: Applied[];
}

/** The frames received and not applied yet, across every session of one hub, and the work after them. */
export class EventBatch implements EventQueue {
  /** The burst that has not started yet and still takes frames, if any. */
  private open: Queued[] | undefined;
  /** Bursts and frame work, one after another. */
  private chain: Promise<void> = Promise.resolve();
  /** Works handed to the chain and not finished yet. */
  private pending = 0;
  /** Hellos handled beside the bursts, and which hosts have frames in them. */
  private readonly hellos = new HelloLane();

  /** @param burstFrames frames applied in one unit of work at most. */
  constructor(private readonly burstFrames: number) {
    if (!Number.isInteger(burstFrames) || burstFrames < 1) throw new RangeError(`burstFrames must be a positive integer, got ${burstFrames}`);
  }

  /** {@inheritDoc EventQueue.add} */
  add(ctx: FrameContext, session: Session, body: AgentEventBody): void {
    if (this.hellos.holds(session.instanceId, () => this.add(ctx, session, body))) return;
    this.enqueue(ctx, { session, body });
  }

  /** {@inheritDoc EventQueue.addCommandAck} */
  addCommandAck(ctx: FrameContext, session: Session, commandId: string): void {
    if (this.hellos.holds(session.instanceId, () => this.addCommandAck(ctx, session, commandId))) return;
    this.enqueue(ctx, { session, commandId });
  }

  /** {@inheritDoc EventQueue.after} */
  after(ctx: FrameContext, session: Session, work: () => Promise<void>): void {
    if (this.hellos.holds(session.instanceId, () => this.after(ctx, session, work))) return;
    // Frames received from now on are applied after `work`, in a burst of their own.
    this.open = undefined;
    this.hellos.enter(session.instanceId);
    this.serially(ctx, work, () => [session.instanceId]);
  }

  /** {@inheritDoc EventQueue.greet} */
  greet(ctx: FrameContext, session: Session, work: () => Promise<void>): void {
    const { instanceId } = session;
    if (this.hellos.holds(instanceId, () => this.greet(ctx, session, work))) return;
    const failed = (err: unknown): void => {
      ctx.log.error('agent hello work failed', { instanceId, err });
    };
    if (!this.hellos.tryGreet(instanceId, work, failed)) this.after(ctx, session, work);
  }

  /** {@inheritDoc EventQueue.drain} */
  async drain(): Promise<void> {
    do {
      await this.hellos.settled();
      this.open = undefined;
      await this.chain;
    } while (this.hellos.busy || this.pending > 0);
  }

  private enqueue(ctx: FrameContext, item: Queued): void {
    this.hellos.enter(item.session.instanceId);
    if (this.open && this.open.length < this.burstFrames) {
      this.open.push(item);
      return;
    }
    // A full burst takes no more: the next frames start the next one.
    const burst: Queued[] = [item];
    this.open = burst;
    const work = async (): Promise<void> => {
      // The frames of the same I/O phase join it before it starts, even when nothing runs before it.
      await turnEventLoop();
      if (this.open === burst) this.open = undefined;
      await applyBurst(ctx, burst);
    };
    this.serially(ctx, work, () => burst.map((i) => i.session.instanceId));
  }

  /** Chains `work`, done with the frames of the hosts `hostsOf` names once it has settled. */
  private serially(ctx: FrameContext, work: () => Promise<void>, hostsOf: () => readonly string[]): void {
    // Work queued behind other work waits for the loop to turn first: a backlog of bursts would
    // otherwise run back to back in one microtask queue and hold the coordinator as one burst.
    const behind = this.pending > 0;
    this.pending += 1;
    this.chain = this.chain
      .then(async () => {
        if (behind) await turnEventLoop();
        await work();
      })
      .catch((err: unknown) => {
        ctx.log.error('agent frame work failed', { err });
      })
      .finally(() => {
        this.pending -= 1;
        this.hellos.leave(hostsOf());
      });
  }
}

/** Applies, acks and runs the after-commit work of one burst. */
async function applyBurst(ctx: FrameContext, items: readonly Queued[]): Promise<void> {
  const done = await commitBurst(ctx, items);
  if (!done) {
    for (const session of new Set(items.map((i) => i.session))) sendError(ctx, session, 'agent.event');
    return;
  }
  reply(ctx, done.outcomes);
  if (ctx.changed) tellChanged(ctx.changed, items);
  for (const a of done.applied) {
    try {
      await a.after();
    } catch (err) {
      ctx.log.error('after-commit work failed', { instanceId: a.instanceId, seq: a.seq, err });
    }
  }
}

/** Names each deployment the burst's events belong to, once. */
function tellChanged(changed: (deploymentId: string) => void, items: readonly Queued[]): void {
  const ids = new Set<string>();
  for (const item of items) if ('body' in item) ids.add(item.body.deploymentId);
  for (const id of ids) changed(id);
}

/**
 * Applies the burst in one unit of work; undefined when it could not be committed. The first
 * try takes no savepoint per frame and moves each cursor once: if anything throws, the whole
 * burst is rolled back and applied again with a savepoint per frame, so that only the frame
 * that throws is undone, as if the first try had never happened.
 */
async function commitBurst(ctx: FrameContext, items: readonly Queued[]): Promise<Burst | undefined> {
  try {
    return await ctx.store.transaction((tx) => applyAll(ctx, tx, items, false));
  } catch (err) {
    // Rare and costly (every frame again, one savepoint each): worth knowing why when it happens.
    ctx.log.warn('agent frame burst rolled back; applying it frame by frame', { frames: items.length, err });
  }
  try {
    return await ctx.store.transaction((tx) => applyAll(ctx, tx, items, true));
  } catch (err) {
    ctx.log.error('applying agent events failed', { frames: items.length, err });
    return undefined;
  }
}

/**
 * The first try at a burst, when the sink takes bursts: every session's cursor read at once, the
 * events that follow each cursor (seq = cursor + 1, in order) handed over together, every cursor
 * moved at once. The store then applies hundreds of events in a few statements (PostgreSQL)
 * instead of a few statements each.
 */
async function applyAllAtOnce(ctx: FrameContext, tx: UnitOfWork, items: readonly Queued[], sink: BurstSink): Promise<Burst> {
  const sessions = [...new Set(items.map((i) => i.session))];
  const cursors = await tx.instances.lastAppliedSeqs(sessions.map((s) => s.instanceId));
  const outcomes = new Map<Session, Outcome>(sessions.map((s) => [s, { seq: cursors.get(s.instanceId) ?? 0, failed: false, advanced: false, hadEvents: false, ackFailed: false }]));
  const events: AgentEventItem[] = [];
  const acks: { instanceId: string; commandId: string }[] = [];
  for (const item of items) {
    const outcome = outcomes.get(item.session)!;
    const { instanceId } = item.session;
    if ('commandId' in item) {
      acks.push({ instanceId, commandId: item.commandId });
      continue;
    }
    outcome.hadEvents = true;
    if (item.body.seq !== outcome.seq + 1) {
      ctx.log.debug('agent event not applied', { instanceId, seq: item.body.seq, cursor: outcome.seq });
      continue;
    }
    events.push({ instanceId, event: item.body });
    Object.assign(outcome, { seq: item.body.seq, advanced: true });
  }
  if (acks.length > 0) await sink.acknowledgeCommands(acks, tx);
  const applied: Applied[] = events.length > 0 ? [{ instanceId: `${sessions.length} agent(s)`, seq: events.length, after: await sink.applyAgentEvents(events, tx) }] : [];
  await tx.instances.setLastAppliedSeqs(new Map([...outcomes].filter(([, o]) => o.advanced).map(([s, o]) => [s.instanceId, o.seq])));
  return { outcomes, applied };
}

/** A sink that takes bursts. */
type BurstSink = Required<Pick<AgentEventSink, 'applyAgentEvents' | 'acknowledgeCommands'>>;

function burstSink(sink: AgentEventSink | undefined): BurstSink | undefined {
  if (!sink?.applyAgentEvents || !sink.acknowledgeCommands) return undefined;
  return { applyAgentEvents: sink.applyAgentEvents.bind(sink), acknowledgeCommands: sink.acknowledgeCommands.bind(sink) };
}

/** Applies every frame in order; with `isolate`, each in a savepoint, and a throw is recorded, not rethrown. */
async function applyAll(ctx: FrameContext, tx: UnitOfWork, items: readonly Queued[], isolate: boolean): Promise<Burst> {
  const sink = burstSink(ctx.sink);
  if (!isolate && sink) return applyAllAtOnce(ctx, tx, items, sink);
  const outcomes = new Map<Session, Outcome>();
  const applied: Applied[] = [];
  for (const item of items) {
    let outcome = outcomes.get(item.session);
    if (!outcome) {
      outcome = { seq: await tx.instances.lastAppliedSeq(item.session.instanceId), failed: false, advanced: false, hadEvents: false, ackFailed: false };
      outcomes.set(item.session, outcome);
    }
    if ('commandId' in item) await applyCommandAck(ctx, tx, item.session, item.commandId, outcome, isolate);
    else await applyEvent(ctx, tx, item.session, item.body, outcome, isolate, applied);
  }
  // Without savepoints, nothing is kept unless all is: one cursor write per session is enough.
  if (!isolate) for (const [session, o] of outcomes) if (o.advanced) await tx.instances.setLastAppliedSeq(session.instanceId, o.seq);
  return { outcomes, applied };
}

async function applyEvent(ctx: FrameContext, tx: UnitOfWork, session: Session, body: AgentEventBody, outcome: Outcome, isolate: boolean, applied: Applied[]): Promise<void> {
  const { sink, log } = ctx;
  const { instanceId } = session;
  outcome.hadEvents = true;
  if (outcome.failed) return;
  if (!sink || body.seq !== outcome.seq + 1) {
    log.debug('agent event not applied', { instanceId, seq: body.seq, cursor: outcome.seq });
    return;
  }
  if (!isolate) {
    applied.push({ instanceId, seq: body.seq, after: await sink.applyAgentEvent(instanceId, body, tx) });
    Object.assign(outcome, { seq: body.seq, advanced: true });
    return;
  }
  try {
    const after = await tx.savepoint(async () => {
      const work = await sink.applyAgentEvent(instanceId, body, tx);
      await tx.instances.setLastAppliedSeq(instanceId, body.seq);
      return work;
    });
    applied.push({ instanceId, seq: body.seq, after });
    Object.assign(outcome, { seq: body.seq, advanced: true });
  } catch (err) {
    log.error('handling agent frame failed', { instanceId, type: 'agent.event', seq: body.seq, err });
    outcome.failed = true;
  }
}

async function applyCommandAck(ctx: FrameContext, tx: UnitOfWork, session: Session, commandId: string, outcome: Outcome, isolate: boolean): Promise<void> {
  const { sink } = ctx;
  if (!sink) return;
  if (!isolate) return sink.acknowledgeCommand(session.instanceId, commandId, tx);
  try {
    await tx.savepoint(() => sink.acknowledgeCommand(session.instanceId, commandId, tx));
  } catch (err) {
    ctx.log.error('handling agent frame failed', { instanceId: session.instanceId, type: 'agent.command.ack', err });
    outcome.ackFailed = true;
  }
}

function reply(ctx: FrameContext, outcomes: Map<Session, Outcome>): void {
  for (const [session, outcome] of outcomes) {
    // A failed event is answered like any failed frame; what did apply before it is acked.
    if (outcome.hadEvents && (!outcome.failed || outcome.advanced)) ctx.send(session, 'coord.ack', { seq: outcome.seq });
    if (outcome.failed) sendError(ctx, session, 'agent.event');
    if (outcome.ackFailed) sendError(ctx, session, 'agent.command.ack');
  }
}

function sendError(ctx: FrameContext, session: Session, type: 'agent.event' | 'agent.command.ack'): void {
  // Internal details (SQL, paths) stay in our log; the agent may retry later.
  ctx.send(session, 'coord.error', { code: 'INTERNAL', message: `could not handle ${type}`, retryable: true });
}
