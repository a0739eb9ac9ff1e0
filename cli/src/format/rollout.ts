/**
 * One line about a deployment's rollout: its step, and what it waits for (pause, bake, approval).
 */
import type { RolloutState } from '../../../protocol/src/rollout.ts';
import { safe } from './sanitize.ts';

/** E.g. `batch 2 of 3, paused` or `batch 1 of 2, waiting for approval (deckhand approve ID)`. */
export function formatRollout(r: RolloutState): string {
  const parts = [`batch ${r.step} of ${r.steps}`];
  if (r.paused) parts.push('paused (deckhand resume)');
  if (r.waitingFor === 'bake' && r.bakeUntil !== undefined) parts.push(safe`baking until ${r.bakeUntil}`);
  if (r.waitingFor === 'analysis') parts.push('analysing the last batch (deckhand promote to skip)');
  if (r.approval === 'Waiting') parts.push('waiting for approval (deckhand approve)');
  if (r.approval === 'Pending') parts.push('approval required after batch 1');
  if (r.approval === 'Approved') parts.push(`approved${r.approvedBy === undefined ? '' : safe` by ${r.approvedBy}`}`);
  return parts.join(', ');
}
