import assert from 'node:assert/strict';
import { systemClock } from '../../../../common/src/clock.ts';
import type { HealthSample, TrafficProvider } from '../../../../coordinator/src/traffic/provider.ts';
import { allowHost, blockHost } from '../../../../coordinator/src/traffic/steps.ts';
import { invalidInstance } from '../../../../coordinator/src/traffic/provider.ts';

const HOST = { instanceId: 'i-WEB00001', hostname: 'web-1', tags: {} };
const FAST = { healthyPasses: 3, healthIntervalSeconds: 0.01, allowTimeoutSeconds: 1 };

/** A provider whose health checks answer from a script of samples (the last one repeats). */
function scripted(samples: boolean[], calls: string[] = []): TrafficProvider {
  let i = 0;
  return {
    verify: async () => undefined,
    block: async () => {
      calls.push('block');
      return {};
    },
    allow: async () => void calls.push('allow'),
    check: async (): Promise<HealthSample> => {
      const healthy = samples[Math.min(i, samples.length - 1)] ?? true;
      i += 1;
      calls.push(healthy ? 'pass' : 'fail');
      return { healthy, detail: healthy ? 'up' : 'down' };
    },
    states: async () => new Map(),
  };
}

describe('traffic steps', () => {
  it('AllowTraffic needs the passes in a row: a failure in between starts the count again', async () => {
    const calls: string[] = [];
    const outcome = await allowHost(scripted([true, true, false, true, true, true], calls), HOST, FAST, systemClock, new AbortController().signal);
    assert.equal(outcome.status, 'Succeeded');
    assert.deepEqual(calls, ['allow', 'pass', 'pass', 'fail', 'pass', 'pass', 'pass']);
  });

  it('AllowTraffic fails with CUSTOMER_APPLICATION_UNHEALTHY and the last check once its time is up', async () => {
    const outcome = await allowHost(scripted([false]), HOST, { ...FAST, allowTimeoutSeconds: 0.1 }, systemClock, new AbortController().signal);
    assert.deepEqual([outcome.status, outcome.errorCode], ['Failed', 'CUSTOMER_APPLICATION_UNHEALTHY']);
    assert.match(outcome.message ?? '', /web-1 did not pass 3 health check\(s\) in a row within 0\.1 s \(last: down\)/);
  });

  it('BlockTraffic keeps the adapter\'s code and message', async () => {
    const p = { ...scripted([true]), block: async () => Promise.reject(invalidInstance('HAProxy backend web has no server web-1')) };
    assert.deepEqual(await blockHost(p, HOST, new AbortController().signal), { status: 'Failed', errorCode: 'ELB_INVALID_INSTANCE', message: 'HAProxy backend web has no server web-1' });
  });
});
