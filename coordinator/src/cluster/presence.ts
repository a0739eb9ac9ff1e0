/**
 * Which agents are connected, across coordinators. Each coordinator knows its own sockets (the
 * hub) and writes them to the store in batches: every tick the agents that came and went, and
 * now and then all of them again (their seen time), so that the rows of a coordinator that died
 * go stale. An agent is connected when its coordinator is this one, or when another one saw it
 * within the window; otherwise it is offline, whatever the fleet size.
 */
import type { ClusterRepository } from '../store/cluster.ts';

/** The local side: this coordinator's own sockets (the hub). */
export interface LocalAgents {
  isConnected(instanceId: string): boolean;
  connectedInstances(): string[];
  /** Closes the instance's connections to this coordinator (deregistration). */
  closeInstance?(instanceId: string): number;
}

/** Dependencies of {@link ClusterPresence}. */
export interface PresenceDeps {
  nodeId: string;
  hub: LocalAgents;
  cluster: ClusterRepository;
  /** How often every local agent is written again. */
  refreshMs: number;
  /** An agent not seen by any coordinator for this long is offline. */
  windowMs: number;
  /** Monotonic milliseconds. */
  now: () => number;
}

/** Presence of agents on every coordinator of the store. */
export class ClusterPresence {
  /** Agent → the coordinator that saw it within the window, as last read. */
  private remote = new Map<string, string>();
  /** The local agents as last written. */
  private written = new Set<string>();
  private lastFullWrite = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: PresenceDeps) {}

  /** True when the agent is connected to this coordinator or, by the last read, to another. */
  isConnected(instanceId: string): boolean {
    if (this.deps.hub.isConnected(instanceId)) return true;
    const node = this.remote.get(instanceId);
    return node !== undefined && node !== this.deps.nodeId;
  }

  /**
   * Closes the instance's connections to this coordinator (deregistration); a connection to
   * another coordinator is not reached from here (issue 14 follow-up).
   */
  closeInstance(instanceId: string): number {
    return this.deps.hub.closeInstance?.(instanceId) ?? 0;
  }

  /** How many agents this coordinator holds. */
  localCount(): number {
    return this.written.size;
  }

  /** How many agents any coordinator holds, by the last read (this one's counted as written). */
  clusterCount(): number {
    return this.remote.size;
  }

  /** Writes what changed since the last write (everything, when the refresh is due), and the node's heartbeat. */
  async write(): Promise<void> {
    const local = new Set(this.deps.hub.connectedInstances());
    const full = this.deps.now() - this.lastFullWrite >= this.deps.refreshMs;
    const seen = full ? [...local] : [...local].filter((id) => !this.written.has(id));
    const gone = [...this.written].filter((id) => !local.has(id));
    await this.deps.cluster.writePresence(this.deps.nodeId, seen, gone);
    if (full) this.lastFullWrite = this.deps.now();
    this.written = local;
    await this.deps.cluster.heartbeat(this.deps.nodeId, local.size);
  }

  /** Reads which agents every coordinator saw within the window. */
  async read(): Promise<void> {
    this.remote = await this.deps.cluster.presence(this.deps.windowMs);
  }
}
