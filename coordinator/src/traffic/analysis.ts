/**
 * What watches hosts once traffic has moved to them (a blue/green deployment's steps and its
 * termination wait), and fails the deployment when they are not well. The default here is a
 * plain health-pass check through the balancer's adapter; the health-gated analysis of the
 * health issue (alarms, Prometheus queries, webhooks) plugs in through the same interface.
 */
import type { Clock, TimerHandle } from '../../../common/src/clock.ts';
import type { TrafficHost, TrafficProvider } from './provider.ts';

/** What one watch needs. */
export interface AnalysisInput {
  deploymentId: string;
  hosts: readonly TrafficHost[];
  provider: TrafficProvider;
  /** How often to look, and how many failed looks in a row condemn a host. */
  healthIntervalSeconds: number;
  healthyPasses: number;
}

/** Watches hosts traffic moved to; `fail` is called at most once, with why. */
export interface TrafficAnalysis {
  /** Starts watching; returns the function that stops it. */
  watch(input: AnalysisInput, fail: (message: string) => void): () => void;
}

/**
 * The default analysis: every health interval each host is checked through the balancer; one
 * failing as many checks in a row as AllowTraffic needs passes fails the analysis.
 */
export function healthPassAnalysis(clock: Clock): TrafficAnalysis {
  return {
    watch(input, fail) {
      const failures = new Map<string, number>();
      const abort = new AbortController();
      let timer: TimerHandle | undefined;
      let done = false;
      const tick = async (): Promise<void> => {
        for (const host of input.hosts) {
          if (done) return;
          let bad: string | undefined;
          try {
            const sample = await input.provider.check(host, abort.signal);
            if (!sample.healthy) bad = sample.detail;
          } catch (err) {
            if (abort.signal.aborted) return;
            bad = err instanceof Error ? err.message : String(err);
          }
          const n = bad === undefined ? 0 : (failures.get(host.instanceId) ?? 0) + 1;
          failures.set(host.instanceId, n);
          if (n >= input.healthyPasses && !done) {
            done = true;
            fail(`${host.hostname} failed ${n} health check(s) in a row after traffic moved to it (last: ${bad ?? ''})`);
            return;
          }
        }
        if (!done) timer = clock.setTimeout(() => void tick(), input.healthIntervalSeconds * 1000);
      };
      timer = clock.setTimeout(() => void tick(), input.healthIntervalSeconds * 1000);
      return () => {
        done = true;
        abort.abort();
        if (timer !== undefined) clock.clearTimeout(timer);
      };
    },
  };
}
