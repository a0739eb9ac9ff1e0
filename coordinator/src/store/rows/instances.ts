/**
 * Rows of the instances table as both store implementations read them, and their typed form.
 */
import type { Inventory, Tags } from '../../../../protocol/src/index.ts';
import type { InstanceRow } from '../instances.ts';
import { parseJsonColumn, setOptional } from './columns.ts';

/** An `instances` row as stored. */
export interface RawInstance {
  instance_id: string;
  hostname: string;
  public_key: string;
  tags: string;
  registered_at: string;
  last_seen: string | null;
  agent_version: string | null;
  inventory: string | null;
  last_applied_seq: number;
}

/** An `instances` row as the repository returns it. */
export function toInstance(raw: RawInstance): InstanceRow {
  const row: InstanceRow = {
    instanceId: raw.instance_id,
    hostname: raw.hostname,
    publicKey: raw.public_key,
    tags: parseJsonColumn<Tags>(raw.tags, 'instances.tags'),
    registeredAt: raw.registered_at,
    lastAppliedSeq: raw.last_applied_seq,
  };
  setOptional(row, 'lastSeen', raw.last_seen);
  setOptional(row, 'agentVersion', raw.agent_version);
  if (raw.inventory !== null) row.inventory = parseJsonColumn<Inventory>(raw.inventory, 'instances.inventory');
  return row;
}
