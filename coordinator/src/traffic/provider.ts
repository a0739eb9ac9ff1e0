/**
 * One interface for every load balancer a group can name. An adapter turns BlockTraffic and
 * AllowTraffic into its balancer's terms; what is common to all of them (the health passes of
 * AllowTraffic, who waits for whom, what is journaled) lives in the traffic service. Adapters do
 * not log: they return or throw {@link TrafficError}, whose message names what is wrong.
 */
import { DeckhandError, type BalancerState, type DeploymentErrorCode } from '../../../protocol/src/index.ts';

/** A host as the balancer's adapter sees it. */
export interface TrafficHost {
  instanceId: string;
  hostname: string;
  tags: Readonly<Record<string, string>>;
}

/** The balancer's view of one host. */
export interface HostBalancerState {
  state: BalancerState;
  /** What the balancer said, e.g. HAProxy's `DRAIN`, `UP`, `MAINT`. */
  detail: string;
}

/** One health check of a host behind the balancer. */
export interface HealthSample {
  healthy: boolean;
  detail: string;
}

/** How BlockTraffic ended. */
export interface BlockResult {
  /** Set when the drain timed out with sessions still open (BlockTraffic goes on regardless). */
  note?: string;
}

/** A load balancer's adapter. Every method honours `signal` and throws {@link TrafficError}. */
export interface TrafficProvider {
  /** Checks that the balancer answers and knows each host; throws naming the first problem. */
  verify(hosts: readonly TrafficHost[], signal: AbortSignal): Promise<void>;
  /** Takes the host out of rotation and waits for its open sessions to end (or the drain timeout). */
  block(host: TrafficHost, signal: AbortSignal): Promise<BlockResult>;
  /** Puts the host back in rotation. */
  allow(host: TrafficHost, signal: AbortSignal): Promise<void>;
  /** One health check of the host as the balancer (or a probe through its address) sees it. */
  check(host: TrafficHost, signal: AbortSignal): Promise<HealthSample>;
  /** The balancer's state of each host it can tell (best effort: hosts it cannot are left out). */
  states(hosts: readonly TrafficHost[], signal: AbortSignal): Promise<Map<string, HostBalancerState>>;
}

/** A failure of a balancer step, with CodeDeploy's code for it. */
export class TrafficError extends DeckhandError {
  constructor(code: Extract<DeploymentErrorCode, 'ELASTIC_LOAD_BALANCING_INVALID' | 'ELB_INVALID_INSTANCE' | 'CUSTOMER_APPLICATION_UNHEALTHY' | 'MISSING_ELB_INFORMATION'>, message: string, opts: { cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'TrafficError';
  }
}

/** The balancer cannot be reached or refused the request (CodeDeploy's ELASTIC_LOAD_BALANCING_INVALID). */
export function balancerInvalid(message: string, cause?: unknown): TrafficError {
  return new TrafficError('ELASTIC_LOAD_BALANCING_INVALID', message, cause === undefined ? {} : { cause });
}

/** The host is not one of the balancer's servers (CodeDeploy's ELB_INVALID_INSTANCE). */
export function invalidInstance(message: string): TrafficError {
  return new TrafficError('ELB_INVALID_INSTANCE', message);
}
