/**
 * Commands and cancels for agents, wherever they are connected. An agent connected to this
 * coordinator gets its frame at once; for one connected to another coordinator the frame is
 * left in the store (node_messages) and its coordinator woken with NOTIFY (the agent's id only);
 * each coordinator also takes what waits for its agents on every tick, since a NOTIFY can be
 * lost. A frame taken but not sent (the agent just left) is not lost either: an agent gets its
 * unacknowledged commands again on every hello, and the cancels of stopped deployments too.
 */
import type { Logger } from '../../../common/src/logger.ts';
import type { CommandBody, CoordBodies } from '../../../protocol/src/index.ts';
import type { CommandSender } from '../scheduler/index.ts';
import type { ClusterRepository, NodeMessage } from '../store/cluster.ts';
import type { ClusterPresence, LocalAgents } from './presence.ts';

/** The hub's sending side. */
export interface LocalSender extends LocalAgents {
  sendCommand(instanceId: string, body: CommandBody): boolean;
  sendCancel(instanceId: string, body: CoordBodies['coord.cancel']): boolean;
}

/** Dependencies of {@link CommandRouter}. */
export interface RouterDeps {
  hub: LocalSender;
  presence: ClusterPresence;
  cluster: ClusterRepository;
  log: Logger;
}

type Pending = Omit<NodeMessage, 'messageId'>;

/** The scheduler's CommandSender among several coordinators. */
export class CommandRouter implements CommandSender {
  private outgoing: Pending[] = [];
  private flushing = false;
  private readonly wanted = new Set<string>();
  private delivering = false;

  constructor(private readonly deps: RouterDeps) {}

  /** {@inheritDoc CommandSender.isConnected} */
  isConnected(instanceId: string): boolean {
    return this.deps.presence.isConnected(instanceId);
  }

  /** {@inheritDoc CommandSender.sendCommand} */
  sendCommand(instanceId: string, body: CommandBody): boolean {
    if (this.deps.hub.sendCommand(instanceId, body)) return true;
    this.leave({ instanceId, kind: 'command', body: JSON.stringify(body) });
    return this.deps.presence.isConnected(instanceId);
  }

  /** {@inheritDoc CommandSender.sendCancel} */
  sendCancel(instanceId: string, body: CoordBodies['coord.cancel']): boolean {
    if (this.deps.hub.sendCancel(instanceId, body)) return true;
    this.leave({ instanceId, kind: 'cancel', body: JSON.stringify(body) });
    return this.deps.presence.isConnected(instanceId);
  }

  /** A NOTIFY said frames wait for `instanceId`: takes them if its agent is here. */
  notified(instanceId: string): void {
    if (!this.deps.hub.isConnected(instanceId)) return;
    this.wanted.add(instanceId);
    void this.deliverWanted();
  }

  /** Takes and sends what waits for the agents of this coordinator (all of them, or `instanceIds`). */
  async deliver(instanceIds: readonly string[] = this.deps.hub.connectedInstances()): Promise<number> {
    const messages = await this.deps.cluster.takeMessages(instanceIds);
    for (const m of messages) {
      const body: unknown = JSON.parse(m.body);
      const sent = m.kind === 'command' ? this.deps.hub.sendCommand(m.instanceId, body as CommandBody) : this.deps.hub.sendCancel(m.instanceId, body as CoordBodies['coord.cancel']);
      if (!sent) this.deps.log.info('agent left before its frame was sent; it gets it again on hello', { instanceId: m.instanceId, kind: m.kind });
    }
    return messages.length;
  }

  /** Resolves once every frame left so far is in the store. */
  async flush(): Promise<void> {
    while (this.outgoing.length > 0 || this.flushing) {
      if (!this.flushing) await this.write();
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private leave(message: Pending): void {
    this.outgoing.push(message);
    if (this.outgoing.length === 1 && !this.flushing) setImmediate(() => void this.write());
  }

  /** Writes the frames left so far in one statement (a batch of a dispatch is many). */
  private async write(): Promise<void> {
    if (this.flushing || this.outgoing.length === 0) return;
    this.flushing = true;
    const batch = this.outgoing;
    this.outgoing = [];
    try {
      await this.deps.cluster.enqueueMessages(batch);
    } catch (err) {
      // Not retried here: each agent gets its unacknowledged commands again on its next hello.
      this.deps.log.error('leaving frames for other coordinators failed', { frames: batch.length, err });
    } finally {
      this.flushing = false;
    }
    if (this.outgoing.length > 0) setImmediate(() => void this.write());
  }

  private async deliverWanted(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.wanted.size > 0) {
        const ids = [...this.wanted];
        this.wanted.clear();
        await this.deliver(ids);
      }
    } catch (err) {
      this.deps.log.warn('taking frames left for our agents failed; the next tick tries again', { err });
    } finally {
      this.delivering = false;
    }
  }
}
