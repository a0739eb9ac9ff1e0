/**
 * The coordinator's half of journal resynchronisation (protocol/src/journal-resync.ts), run at
 * each hello that says where the agent's outbox stands: decides who is behind, moves the cursor
 * when events are lost for good, remembers the agent's epochs, and says so loudly with a metric.
 * Returns what the welcome must carry.
 */
import { decideResync, type JournalPositionBody, type RebaseBody } from '../../../protocol/src/index.ts';
import type { FrameContext } from './session.ts';

/** The welcome's cursor and any renumbering the agent must do. */
export interface WelcomePosition {
  lastAppliedSeq: number;
  rebase?: RebaseBody;
}

const MESSAGES = {
  coordinator_behind: "store behind this agent's journal: it lost commits (power loss, a restored backup or a reverted VM); the agent sends those events again",
  events_lost: "store behind this agent's journal, and the agent no longer holds the events it lacks: those are lost, the cursor moves past them",
  agent_behind: "agent's journal behind the store (restored from a backup, or a reverted VM): it renumbers its new events to follow what was applied",
  diverged: "agent's journal went back and wrote a history of its own (restored from a backup, or a reverted VM): it renumbers those events to follow what was applied",
} as const;

/** Resynchronises with the agent of `instanceId` whose hello said `journal`. */
export async function resyncAtHello(ctx: FrameContext, instanceId: string, journal: JournalPositionBody | undefined): Promise<WelcomePosition> {
  const cursor = await ctx.store.instances.lastAppliedSeq(instanceId);
  if (journal === undefined) return { lastAppliedSeq: cursor };
  const known = await ctx.store.instances.journalEpochs(instanceId);
  const decision = decideResync(cursor, known, journal);
  // Most hellos change nothing (a reconnect of the same run): no write then, as a fleet reconnects.
  const epochsChanged = JSON.stringify(decision.epochs) !== JSON.stringify(known);
  if (decision.cursor !== cursor || epochsChanged) {
    await ctx.store.transaction(async (tx) => {
      if (decision.cursor !== cursor) await tx.instances.setLastAppliedSeq(instanceId, decision.cursor);
      if (epochsChanged) await tx.instances.setJournalEpochs(instanceId, decision.epochs);
    });
  }
  if (decision.finding !== 'in_step') {
    ctx.log.error(MESSAGES[decision.finding], {
      event: 'journal.resync',
      instanceId,
      finding: decision.finding,
      cursor,
      agentLastSeq: journal.lastSeq,
      agentAckedThrough: journal.ackedThrough,
      ...(decision.rebase ? { rebase: decision.rebase } : {}),
      ...(decision.lost ? { lost: decision.lost } : {}),
    });
    ctx.metrics?.journalResync(decision.finding);
  }
  return { lastAppliedSeq: decision.cursor, ...(decision.rebase ? { rebase: decision.rebase } : {}) };
}
