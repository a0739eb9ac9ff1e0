/**
 * BlockTraffic and AllowTraffic as every adapter gets them: block drains the host (the
 * adapter waits for its sessions); allow puts it back, then needs N health passes in a row at a
 * short interval before it is done (CodeDeploy leaves that to the ELB's health check, 30 s x 5
 * by default: over 2.5 minutes per host). Failures keep CodeDeploy's codes.
 */
import { sleep, type Clock } from '../../../common/src/clock.ts';
import { isErrorCode, type ErrorCode } from '../../../protocol/src/index.ts';
import type { TrafficOutcome } from '../store/traffic.ts';
import type { TrafficHost, TrafficProvider } from './provider.ts';

/** How AllowTraffic judges a host healthy. */
export interface AllowSettings {
  healthyPasses: number;
  healthIntervalSeconds: number;
  allowTimeoutSeconds: number;
}

/** The outcome of a thrown error: its code when it has one of ours, else ELASTIC_LOAD_BALANCING_INVALID. */
export function failureOf(err: unknown): TrafficOutcome {
  const code = (err as { code?: unknown } | null)?.code;
  const errorCode: ErrorCode = isErrorCode(code) ? code : 'ELASTIC_LOAD_BALANCING_INVALID';
  return { status: 'Failed', errorCode, message: err instanceof Error ? err.message : String(err) };
}

/** Takes the host out of rotation and waits for its sessions to end. */
export async function blockHost(provider: TrafficProvider, host: TrafficHost, signal: AbortSignal): Promise<TrafficOutcome> {
  try {
    const result = await provider.block(host, signal);
    return { status: 'Succeeded', message: result.note ?? `${host.hostname} is out of the load balancer` };
  } catch (err) {
    if (signal.aborted) throw err;
    return failureOf(err);
  }
}

/** Puts the host back, then waits for `healthyPasses` health passes in a row. */
export async function allowHost(provider: TrafficProvider, host: TrafficHost, settings: AllowSettings, clock: Clock, signal: AbortSignal): Promise<TrafficOutcome> {
  const started = clock.monotonicMs();
  try {
    await provider.allow(host, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    return failureOf(err);
  }
  return waitHealthy(provider, host, settings, clock, signal, started);
}

/** Checks the host every interval until it passes `healthyPasses` times in a row, or the allow timeout. */
export async function waitHealthy(provider: TrafficProvider, host: TrafficHost, settings: AllowSettings, clock: Clock, signal: AbortSignal, started = clock.monotonicMs()): Promise<TrafficOutcome> {
  const deadline = started + settings.allowTimeoutSeconds * 1000;
  let passes = 0;
  let last = 'no health check ran';
  for (;;) {
    try {
      const sample = await provider.check(host, signal);
      last = sample.detail;
      passes = sample.healthy ? passes + 1 : 0;
    } catch (err) {
      if (signal.aborted) throw err;
      last = err instanceof Error ? err.message : String(err);
      passes = 0;
    }
    if (passes >= settings.healthyPasses) {
      return { status: 'Succeeded', message: `${host.hostname} passed ${passes} health check(s) in a row (${last})` };
    }
    if (clock.monotonicMs() + settings.healthIntervalSeconds * 1000 > deadline) break;
    await sleep(clock, settings.healthIntervalSeconds * 1000, signal);
  }
  return {
    status: 'Failed',
    errorCode: 'CUSTOMER_APPLICATION_UNHEALTHY',
    message: `${host.hostname} did not pass ${settings.healthyPasses} health check(s) in a row within ${settings.allowTimeoutSeconds} s (last: ${last})`,
  };
}
