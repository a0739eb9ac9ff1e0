/**
 * Host deregistration (CodeDeploy's deregister-on-premises-instance): the instance, its key and
 * its per-host deployment records go, in one unit of work, so the host can neither connect again
 * nor be chosen by a deployment. Refused while the host is connected (unless forced: an operator
 * cutting off a host that will not stop, issue 14) or is a target of a deployment that has not
 * finished: removing it then would leave that deployment waiting for a host that no longer exists.
 */
import { DeckhandError } from '../../../protocol/src/index.ts';
import type { Store } from '../store/store.ts';

/**
 * Removes `instanceId`. Throws NOT_FOUND when there is no such instance and CONFLICT when it is
 * connected (and not `force`) or still a target of an unfinished deployment; nothing changes
 * then. The caller closes the host's connections once this resolves.
 */
export function deregisterInstance(store: Store, instanceId: string, connected: boolean, force = false): Promise<void> {
  return store.transaction(async (tx) => {
    if (!(await tx.instances.get(instanceId))) throw new DeckhandError('NOT_FOUND', `instance ${instanceId} not found`);
    if (connected && !force) {
      throw new DeckhandError('CONFLICT', `instance ${instanceId} is connected: stop its agent before deregistering it, or deregister it with --force (force=true), which also closes its connection`);
    }
    const unfinished = await tx.targets.unfinishedDeploymentsOf(instanceId);
    if (unfinished.length > 0) {
      throw new DeckhandError('CONFLICT', `instance ${instanceId} is a target of unfinished deployment(s) ${unfinished.join(', ')}`);
    }
    await tx.instances.remove(instanceId);
  });
}
