/**
 * One agent connection and what frame handling needs from the hub, shared by frames.ts (each
 * frame) and event-batch.ts (events applied in bursts).
 */
import type { WebSocket } from 'ws';
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { AgentEventBody, AgentLogBody, CoordBodies, CoordFrameType } from '../../../protocol/src/index.ts';
import type { Store } from '../store/store.ts';
import type { MetricsSink } from '../notify/metrics.ts';
import type { PeerWarnings } from '../../../common/src/peer-warnings.ts';
import type { PreflightRequests } from './preflight.ts';
import type { TrafficApplyRequests } from './traffic-apply.ts';
import type { AgentEventSink, TrafficSink } from './types.ts';

/**
 * Frame handling in arrival order: event and command-ack frames are gathered into bursts, each
 * applied in one unit of work; any other frame's work runs after the burst received before it.
 */
export interface EventQueue {
  /** Queues an event; it joins the burst that has not started yet (applied once the I/O phase and the bursts before it are over). */
  add(ctx: FrameContext, session: Session, body: AgentEventBody): void;
  /** Queues a command ack (agent.command.ack), applied in order with the events around it. */
  addCommandAck(ctx: FrameContext, session: Session, commandId: string): void;
  /** Runs `work`, the handling of a frame of `session`, once every frame received before it has been applied. */
  after(ctx: FrameContext, session: Session, work: () => Promise<void>): void;
  /**
   * Runs `work`, the handling of the session's hello, once every frame of its host received
   * before it has been applied (hello-lane.ts): beside other hosts' bursts when the host has none
   * waiting. Frames of the host received meanwhile wait for it.
   */
  greet(ctx: FrameContext, session: Session, work: () => Promise<void>): void;
  /** Applies everything received so far; resolves once all of it (and queued work) is done. Never rejects. */
  drain(ctx: FrameContext): Promise<void>;
}

/** agent.log frames on their way into the store (log-intake.ts implements it). */
export interface LogQueue {
  /** Takes one frame of `size` bytes, or answers it busy. */
  add(session: Session, frameId: string, body: AgentLogBody, size: number): void;
  /** Resolves once everything received is written and answered. */
  drain(): Promise<void>;
}

/** One agent connection. */
export interface Session {
  instanceId: string;
  ws: WebSocket;
  /** Set by a pong, cleared by each heartbeat ping. */
  alive: boolean;
  /** Set once the agent's hello is recorded; until then the host is not usable. */
  greeted: boolean;
  /** Its agent.hello has arrived (it may still wait behind other frames' work to be handled). */
  helloReceived?: boolean;
}

/** What frame handling needs from the hub. */
export interface FrameContext {
  store: Store;
  clock: Clock;
  log: Logger;
  /** agent.log frames on their way into the store (log-intake.ts). */
  logs: LogQueue;
  /** Told of every agent event (metrics). */
  metrics?: MetricsSink;
  heartbeatMs: number;
  sink: AgentEventSink | undefined;
  send<T extends CoordFrameType>(session: Session, type: T, body: CoordBodies[T]): boolean;
  /** Frames waiting to be applied, in arrival order (event-batch.ts). */
  events: EventQueue;
  /** Preflight requests waiting for answers (preflight.ts). */
  preflights: PreflightRequests;
  /** Who answers agent.traffic.request (the traffic service); undefined: nobody yet. */
  traffic: TrafficSink | undefined;
  /** nginx changes asked of agents, waiting for answers (traffic-apply.ts). */
  trafficApplies: TrafficApplyRequests;
  /** Warnings about what a host sends, rate-limited per instance (peer-warnings.ts). */
  warnings: PeerWarnings;
  /** Told, once per committed burst, of each deployment that got events (wakes the dashboard's live grids). */
  changed?: (deploymentId: string) => void;
}
