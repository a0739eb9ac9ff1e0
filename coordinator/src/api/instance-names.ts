/**
 * A group's `instanceNames` resolved to instance ids when the group is saved: a name is an
 * instance id, or the hostname of exactly one registered host. Matching hostnames at deploy time
 * would let any host join a group by declaring that hostname when it registers.
 */
import type { Repositories } from '../store/store.ts';
import { FieldError } from './errors.ts';

/** The instance ids `names` stand for; throws naming a name that matches no host or several. */
export async function resolveInstanceNames(store: Repositories, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const instances = await store.instances.list();
  const ids = new Set(instances.map((i) => i.instanceId));
  return names.map((name) => {
    if (ids.has(name)) return name;
    const matches = instances.filter((i) => i.hostname === name);
    if (matches.length === 1) return matches[0]!.instanceId;
    const why = matches.length === 0
      ? `no registered instance has the id or hostname ${name}`
      : `${matches.length} instances have the hostname ${name} (${matches.map((m) => m.instanceId).join(', ')}): name one by its instance id`;
    throw new FieldError('VALIDATION_FAILED', 'instanceNames', `instanceNames: ${why}`);
  });
}
