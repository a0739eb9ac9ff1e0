/**
 * The `deckhand instances` table.
 */
import type { InstanceView } from '../../../protocol/src/api.ts';
import { renderTable } from './table.ts';
import { formatAgo } from './time.ts';

/** `k=v,k2=v2`, keys sorted. */
export function formatTags(tags: Record<string, string>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}=${tags[k] ?? ''}`)
    .join(',');
}

function formatOs(instance: InstanceView): string {
  const inv = instance.inventory;
  if (inv === undefined) return '';
  const name = [inv.os.distro, inv.os.release].filter((s) => s !== '').join(' ');
  return `${name || inv.os.platform} (${inv.arch})`;
}

/** One row per instance: hostname, id, tags, connected, last seen, agent version, OS. */
export function formatInstances(instances: readonly InstanceView[], now: Date): string {
  if (instances.length === 0) return 'no instances registered';
  const rows = [...instances]
    .sort((a, b) => a.hostname.localeCompare(b.hostname))
    .map((i) => [
      i.hostname,
      i.instanceId,
      formatTags(i.tags),
      i.connected ? 'yes' : 'no',
      formatAgo(i.lastSeen, now),
      i.agentVersion ?? '',
      formatOs(i),
    ]);
  return renderTable(['HOSTNAME', 'INSTANCE', 'TAGS', 'CONNECTED', 'LAST SEEN', 'AGENT', 'OS'], rows);
}
