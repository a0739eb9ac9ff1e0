import assert from 'node:assert/strict';
import { deploymentPayload, PAYLOAD_HEALTH_RESULTS } from '../../../../coordinator/src/notify/payloads.ts';
import type { DeploymentRecord } from '../../../../coordinator/src/store/deployments/views.ts';
import type { HealthResult } from '../../../../coordinator/src/store/health.ts';

const stopped: DeploymentRecord = {
  deploymentId: 'd-STOPPED01', applicationName: 'shop', deploymentGroupName: 'web', revisionId: 'r-REV000001',
  deploymentConfigName: 'Canary', status: 'Stopped', creator: 'ops', fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false,
  errorCode: 'ALARM_ACTIVE', errorMessage: 'alarm error-rate was in alarm', createdAt: '2026-01-01T00:00:00.000Z', completedAt: '2026-01-01T00:05:00.000Z',
  updateOutdatedOnly: false, rollout: { kind: 'list', step: 1, steps: 2, paused: false, approval: 'NotRequired' },
};

const result = (i: number, verdict: HealthResult['verdict']): HealthResult => ({
  at: `2026-01-01T00:0${Math.min(i, 9)}:00.000Z`, check: 'error-rate', purpose: 'alarm', verdict, value: i, message: `reading ${i}`, dryRun: false,
});

describe('webhook payloads', () => {
  describe('deploymentPayload', () => {
    it('carries the deployment\'s health results, newest last, so a receiver sees why an alarm stopped it', () => {
      const body = JSON.parse(deploymentPayload('DeploymentStop', 'ops-hook', stopped, new Map([['Skipped', 2]]), '2026-01-01T00:05:00.000Z', [result(1, 'Successful'), result(2, 'Failed')]));
      assert.equal(body.data.errorInformation.ErrorCode, 'ALARM_ACTIVE');
      assert.deepEqual(body.data.healthChecks, [
        { at: '2026-01-01T00:01:00.000Z', check: 'error-rate', purpose: 'alarm', verdict: 'Successful', value: 1, message: 'reading 1' },
        { at: '2026-01-01T00:02:00.000Z', check: 'error-rate', purpose: 'alarm', verdict: 'Failed', value: 2, message: 'reading 2' },
      ]);
    });

    it(`keeps the newest ${PAYLOAD_HEALTH_RESULTS} results, and no key for a deployment without any`, () => {
      const many = Array.from({ length: PAYLOAD_HEALTH_RESULTS + 5 }, (_, i) => result(i, 'Successful'));
      const body = JSON.parse(deploymentPayload('DeploymentStop', 'ops-hook', stopped, new Map(), 'x', many));
      assert.equal(body.data.healthChecks.length, PAYLOAD_HEALTH_RESULTS);
      assert.equal(body.data.healthChecks.at(-1).value, PAYLOAD_HEALTH_RESULTS + 4);
      assert.equal('healthChecks' in JSON.parse(deploymentPayload('DeploymentStop', 'ops-hook', stopped, new Map(), 'x')).data, false);
    });
  });
});
