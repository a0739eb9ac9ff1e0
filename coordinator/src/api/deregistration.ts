/**
 * Host deregistration (CodeDeploy's deregister-on-premises-instance): the instance, its key and
 * its per-host deployment records go, in one transaction, so the host can neither connect again
 * nor be chosen by a deployment. Refused while the host is connected or is a target of a
 * deployment that has not finished: removing it then would leave that deployment waiting for a
 * host that no longer exists.
 */
import { DeckhandError } from '../../../protocol/src/index.ts';
import type { Db } from '../store/db.ts';
import { getInstance } from '../store/instances.ts';

/** Deployments in these statuses are over; anything else may still dispatch to its targets. */
const FINISHED_DEPLOYMENTS = ['Succeeded', 'Failed', 'Stopped'] as const;

/** Ids of unfinished deployments that target `instanceId`. */
export function unfinishedDeploymentsOf(db: Db, instanceId: string): string[] {
  const placeholders = FINISHED_DEPLOYMENTS.map(() => '?').join(', ');
  const rows = db
    .prepare(
      `SELECT t.deployment_id AS id FROM deployment_targets t JOIN deployments d ON d.deployment_id = t.deployment_id
       WHERE t.instance_id = ? AND d.status NOT IN (${placeholders}) ORDER BY t.deployment_id`,
    )
    .all(instanceId, ...FINISHED_DEPLOYMENTS) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

/**
 * Removes `instanceId`. Throws NOT_FOUND when there is no such instance and CONFLICT when it is
 * connected or still a target of an unfinished deployment; nothing changes then.
 */
export function deregisterInstance(db: Db, instanceId: string, connected: boolean): void {
  db.transaction(() => {
    if (!getInstance(db, instanceId)) throw new DeckhandError('NOT_FOUND', `instance ${instanceId} not found`);
    if (connected) {
      throw new DeckhandError('CONFLICT', `instance ${instanceId} is connected: stop its agent before deregistering it`);
    }
    const unfinished = unfinishedDeploymentsOf(db, instanceId);
    if (unfinished.length > 0) {
      throw new DeckhandError('CONFLICT', `instance ${instanceId} is a target of unfinished deployment(s) ${unfinished.join(', ')}`);
    }
    db.prepare('DELETE FROM target_events WHERE instance_id = ?').run(instanceId);
    db.prepare('DELETE FROM deployment_targets WHERE instance_id = ?').run(instanceId);
    db.prepare('DELETE FROM instances WHERE instance_id = ?').run(instanceId);
  }).immediate();
}
