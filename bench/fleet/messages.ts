/** Messages between the fleet benchmark (parent) and its simulator processes, over Node IPC. */

/** When one simulated host did what, in absolute milliseconds (performance.timeOrigin + now). */
export interface HostRecord {
  deploymentId: string;
  /** coord.command arrived. */
  commandAt: number;
  /** The first agent.event was sent. */
  firstEventAt: number;
  /** The host's final Succeeded was sent. */
  finalSentAt: number;
  /** The coordinator acknowledged the final event (it is applied and committed). */
  finalAckAt: number;
}

/** Parent → simulator. */
export type ToSimulator =
  | { type: 'register'; url: string; token: string; first: number; count: number; concurrency: number; failover?: string[] }
  /** Lifecycle events take this long from now on. */
  | { type: 'delay'; eventDelayMs: number }
  /** `count` hosts die (see SimAgent.die); answers with their ids. */
  | { type: 'die'; count: number; how: 'closed' | 'silent' }
  | { type: 'connect'; concurrency: number }
  | { type: 'report'; deploymentId: string }
  | { type: 'logs'; linesPerHook: number }
  | { type: 'stop' };

/** Simulator → parent. */
export type FromSimulator =
  | { type: 'registered'; count: number; ms: number }
  | { type: 'connected'; count: number; ms: number }
  | { type: 'finished'; deploymentId: string; count: number }
  | { type: 'report'; deploymentId: string; records: HostRecord[]; events: number; cpuSeconds: number; protocolErrors: number; reconnects: number; restarts: number; logLinesSent: number; logLinesStored: number; logBusy: number }
  | { type: 'delayed' }
  | { type: 'died'; instanceIds: string[] }
  | { type: 'logs-set' }
  | { type: 'failed'; message: string };
