/**
 * Instances: registered hosts, their public keys, tags, what their agent last reported, and
 * the exactly-once cursor of their events.
 */
import type { Inventory, JournalEpochBody, Tags } from '../../../protocol/src/index.ts';

/** One stored instance. */
export interface InstanceRow {
  instanceId: string;
  hostname: string;
  /** Ed25519 public key, SPKI PEM. */
  publicKey: string;
  tags: Tags;
  registeredAt: string;
  lastSeen?: string;
  agentVersion?: string;
  inventory?: Inventory;
  /** Highest agent outbox seq applied (exactly-once intake). */
  lastAppliedSeq: number;
}

/** What a caller supplies to register an instance. */
export type NewInstance = Pick<InstanceRow, 'instanceId' | 'hostname' | 'publicKey' | 'tags' | 'registeredAt'>;

/** What an agent contact updates. */
export interface InstanceTouch {
  lastSeen: string;
  agentVersion?: string;
  inventory?: Inventory;
}

/** Reads and writes instances. */
export interface InstanceRepository {
  /** The instance with this id, if any. */
  get(instanceId: string): Promise<InstanceRow | undefined>;
  /** Every instance, in registration order. */
  list(): Promise<InstanceRow[]>;
  /** Registers an instance (lastAppliedSeq starts at 0). */
  insert(row: NewInstance): Promise<InstanceRow>;
  /** Records an agent contact; fields left out keep their stored value. */
  touch(instanceId: string, touch: InstanceTouch): Promise<void>;
  /** Replaces the instance's tags; false when there is no such instance. */
  setTags(instanceId: string, tags: Tags): Promise<boolean>;
  /** The host's exactly-once cursor (0 for an unknown host). */
  lastAppliedSeq(instanceId: string): Promise<number>;
  /** Moves the host's exactly-once cursor; in the unit of work that applied the events. */
  setLastAppliedSeq(instanceId: string, seq: number): Promise<void>;
  /** The journal epochs the host's agent last named (none before it did). */
  journalEpochs(instanceId: string): Promise<JournalEpochBody[]>;
  /** Remembers the journal epochs the host's agent named, as they are after any renumbering. */
  setJournalEpochs(instanceId: string, epochs: readonly JournalEpochBody[]): Promise<void>;
  /**
   * The cursors of several hosts at once (0 for an unknown host), held for the unit of work as
   * {@link lastAppliedSeq} holds one: a burst of many agents' events reads them in one go.
   */
  lastAppliedSeqs(instanceIds: readonly string[]): Promise<Map<string, number>>;
  /** Moves several hosts' cursors at once; in the unit of work that applied the events. */
  setLastAppliedSeqs(cursors: ReadonlyMap<string, number>): Promise<void>;
  /**
   * Removes the instance with its per-host deployment records (targets and their lifecycle
   * events); in a unit of work that checked no unfinished deployment targets it.
   */
  remove(instanceId: string): Promise<void>;
}
