/**
 * Journal resynchronisation, the decision both sides can reproduce: given what the coordinator
 * applied of an agent's outbox (its cursor, and the journal epochs it last heard of) and where
 * the agent's outbox stands (its hello), who is behind, and what each must do.
 *
 * - in step: nothing to do.
 * - coordinator behind (its store lost commits: power loss, a restored backup): the agent had
 *   acknowledgements past the cursor; it still keeps those rows, and sends them again.
 * - events lost: as above, but the agent no longer holds the first rows the coordinator lacks;
 *   the cursor jumps to the oldest row the agent holds (said loudly: those events are gone).
 * - agent behind, or diverged (its journal was restored from a backup or its VM reverted): the
 *   coordinator applied other events under seqs this journal is now reusing; from the first such
 *   seq the agent renumbers its rows to follow the cursor, so each is applied once, as new.
 *
 * Seqs alone cannot tell a restored journal that has since written past the cursor from one in
 * step; the epochs (a random id per opening of the journal, with its first seq) can: both sides
 * must name the same epoch for every seq the coordinator applied.
 */
import type { JournalEpochBody, JournalPositionBody, RebaseBody } from './messages.ts';

/** What the coordinator concluded from an agent's hello. */
export type ResyncFinding = 'in_step' | 'coordinator_behind' | 'events_lost' | 'agent_behind' | 'diverged';

export interface ResyncDecision {
  finding: ResyncFinding;
  /** The cursor to welcome the agent with (moved only for events_lost). */
  cursor: number;
  /** For agent_behind and diverged: the renumbering the agent must do. */
  rebase?: RebaseBody;
  /** For events_lost: the seqs nobody holds any more, inclusive. */
  lost?: { fromSeq: number; toSeq: number };
  /** The epochs to remember for this agent: its own, as they are after any renumbering. */
  epochs: JournalEpochBody[];
}

/** The epoch covering `seq` in `epochs` (ascending by firstSeq), or undefined when the list starts after it. */
function epochAt(epochs: readonly JournalEpochBody[], seq: number): string | undefined {
  let found: string | undefined;
  for (const epoch of epochs) {
    if (epoch.firstSeq > seq) break;
    found = epoch.id;
  }
  return found;
}

/**
 * The first seq ≤ `through` where the two histories name different epochs; Infinity when they
 * agree wherever both know (a list cut short, or an agent from before epochs, agrees).
 */
function firstDifference(known: readonly JournalEpochBody[], agent: readonly JournalEpochBody[], through: number): number {
  const boundaries = [...new Set([...known, ...agent].map((e) => e.firstSeq))].filter((s) => s <= through).sort((a, b) => a - b);
  for (const seq of boundaries) {
    const a = epochAt(known, seq);
    const b = epochAt(agent, seq);
    if (a !== undefined && b !== undefined && a !== b) return seq;
  }
  return Infinity;
}

/** The agent's epochs after renumbering its rows from `rebase.fromSeq` to `rebase.toSeq`. */
export function rebasedEpochs(epochs: readonly JournalEpochBody[], rebase: RebaseBody): JournalEpochBody[] {
  const shift = rebase.toSeq - rebase.fromSeq;
  return epochs.map((e) => (e.firstSeq >= rebase.fromSeq ? { id: e.id, firstSeq: e.firstSeq + shift } : { ...e }));
}

/**
 * Decides how a coordinator whose cursor for this agent is `cursor`, and which last heard of
 * `known` epochs (none for an agent it never heard them from), resynchronises with `agent`.
 */
export function decideResync(cursor: number, known: readonly JournalEpochBody[], agent: JournalPositionBody): ResyncDecision {
  const diverged = firstDifference(known, agent.epochs, Math.min(cursor, agent.lastSeq));
  const from = Math.min(diverged, agent.lastSeq < cursor ? agent.lastSeq + 1 : Infinity);
  if (from <= cursor) {
    const rebase = { fromSeq: from, toSeq: cursor + 1 };
    return { finding: diverged <= cursor ? 'diverged' : 'agent_behind', cursor, rebase, epochs: rebasedEpochs(agent.epochs, rebase) };
  }
  if (agent.ackedThrough > cursor) {
    if (agent.firstKeptSeq > cursor + 1) {
      const moved = agent.firstKeptSeq - 1;
      return { finding: 'events_lost', cursor: moved, lost: { fromSeq: cursor + 1, toSeq: moved }, epochs: [...agent.epochs] };
    }
    return { finding: 'coordinator_behind', cursor, epochs: [...agent.epochs] };
  }
  return { finding: 'in_step', cursor, epochs: [...agent.epochs] };
}
