/**
 * What several coordinators on one database share, beyond the deployments themselves (PostgreSQL
 * only; SQLite is one coordinator's): the nodes, deployment leases with fencing epochs, where
 * each agent is connected, messages for agents connected to another node, and wake-ups.
 *
 * Times here are the database's own clock, so no coordinator's clock decides whether a lease has
 * expired or a host went quiet.
 */

/** One coordinator process, as it registers itself. */
export interface NodeInfo {
  nodeId: string;
  name: string;
  apiUrl?: string;
  pid: number;
}

/** A node as `deckhand-coordinator nodes` lists it. */
export interface NodeRow extends NodeInfo {
  startedAt: string;
  heartbeatAt: string;
  stoppedAt?: string;
  /** Agents connected to it, as of its last heartbeat. */
  agents: number;
  /** Deployments it drives (unexpired leases). */
  leases: string[];
  /** Seconds since its last heartbeat, by the database's clock. */
  silentSeconds: number;
}

/** A lease this node holds. */
export interface HeldLease {
  deploymentId: string;
  epoch: number;
}

/** How a node takes a deployment's lease: only when free (or expired), or whoever holds it. */
export type LeaseMode = 'free' | 'steal';

/** A command or cancel waiting for the node that holds its agent's socket. */
export interface NodeMessage {
  messageId: number;
  instanceId: string;
  kind: 'command' | 'cancel';
  /** The frame body, JSON. */
  body: string;
}

/** The channels a node listens on; payloads are ids only (NOTIFY is a wake-up, not a carrier). */
export const CLUSTER_CHANNELS = {
  /** A deployment needs its driver's attention (payload: deployment id). */
  wake: 'deckhand_wake',
  /** Messages wait for an agent (payload: instance id). */
  messages: 'deckhand_messages',
} as const;

/** Reads and writes what the nodes of a cluster share. */
export interface ClusterRepository {
  /** Records the node as started (or started again). */
  registerNode(node: NodeInfo): Promise<void>;
  /** The node is alive and has `agents` connected. */
  heartbeat(nodeId: string, agents: number): Promise<void>;
  /** The node stopped in an orderly way: its leases are released at once. */
  markStopped(nodeId: string): Promise<void>;
  /** Every node, most recently heard from first, with the leases it holds. */
  listNodes(): Promise<NodeRow[]>;

  /**
   * Takes the deployment's lease for `nodeId` for `ttlMs`, raising its epoch: when it is free
   * (none, released or expired) or already this node's, or in `steal` mode whoever holds it.
   * Returns the new epoch, or undefined when another node holds it.
   */
  acquireLease(deploymentId: string, nodeId: string, ttlMs: number, mode: LeaseMode): Promise<number | undefined>;
  /**
   * True when `nodeId` still holds the deployment's lease at `epoch`. In a unit of work the lease
   * row stays locked until it ends, so no other node can take the lease meanwhile (the fence every
   * write for the deployment passes) and the node's own units of work about it take turns.
   */
  holdsLease(deploymentId: string, nodeId: string, epoch: number): Promise<boolean>;
  /** Extends every lease of the node not in use right now; returns the leases it holds. */
  renewLeases(nodeId: string, ttlMs: number): Promise<HeldLease[]>;
  /** Gives the deployment's lease up (its deployment ended); the epoch is kept. */
  releaseLease(deploymentId: string, nodeId: string): Promise<void>;
  /**
   * Running deployments nobody drives (no lease, released or expired), oldest first, at most
   * `limit`, locked for this unit of work and skipping those another node is claiming
   * (SELECT ... FOR UPDATE SKIP LOCKED).
   */
  claimOrphans(limit: number): Promise<string[]>;

  /** Marks these agents as connected to the node now, and those `gone` as no longer. */
  writePresence(nodeId: string, seen: readonly string[], gone: readonly string[]): Promise<void>;
  /** Every agent some node saw within `windowMs`, with that node. */
  presence(windowMs: number): Promise<Map<string, string>>;

  /** Leaves messages for agents connected elsewhere, and wakes their nodes. */
  enqueueMessages(messages: readonly Omit<NodeMessage, 'messageId'>[]): Promise<void>;
  /** Takes (removes) the waiting messages of these agents, oldest first. */
  takeMessages(instanceIds: readonly string[]): Promise<NodeMessage[]>;
  /** Drops messages older than `ageMs` (their agent went away; it gets them again on hello). */
  pruneMessages(ageMs: number): Promise<number>;

  /** Sends a wake-up on `channel` with `payload` (an id); in a unit of work, once it commits. */
  notify(channel: string, payload: string): Promise<void>;
}

/** A subscription to the cluster's channels. */
export interface ClusterListener {
  /** Stops listening. */
  close(): Promise<void>;
}

/** What a store shared by several coordinators offers beyond the repositories. */
export interface ClusterHost {
  readonly cluster: ClusterRepository;
  /**
   * Listens on `channels` on a connection of its own, reconnecting when it drops; `onConnected`
   * runs after every (re)connection, when notifications may have been missed.
   */
  listen(channels: readonly string[], onNotify: (channel: string, payload: string) => void, onConnected: () => void, onError?: (err: Error) => void): ClusterListener;
}
