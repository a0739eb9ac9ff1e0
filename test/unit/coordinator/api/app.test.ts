import assert from 'node:assert/strict';
import type { DeploymentService } from '../../../../coordinator/src/api/deps.ts';
import { startHarness, type Harness } from './harness.ts';
import { capturingLogger } from '../../../support/capture-log.ts';

describe('buildApi', () => {
  let h: Harness;
  const lines: string[] = [];
  const failing: DeploymentService = {
    createDeployment: async () => 'd-XXXXXXXX',
    getDeploymentView: async () => undefined,
    getDeploymentSummary: async () => undefined,
    listDeploymentSummaries: () => {
      throw new Error('database exploded at /secret/path');
    },
    stopDeployment: async () => ({ status: 'Succeeded', statusMessage: '' }),
    rollbackGroup: async () => 'd-XXXXXXXX',
    planDeployment: () => {
      throw new Error('not planned');
    },
    preflightDeployment: () => Promise.reject(new Error('not checked')),
    pauseDeployment: () => {
      throw new Error('not paused');
    },
    resumeDeployment: () => {
      throw new Error('not resumed');
    },
    retryFailed: async () => 'd-XXXXXXXX',
    promoteDeployment: () => {
      throw new Error('not promoted');
    },
    changeRollout: () => {
      throw new Error('not changed');
    },
    approveDeployment: () => {
      throw new Error('not approved');
    },
    instanceChanged: async () => [],
  };
  beforeEach(async () => (h = await startHarness({ scheduler: failing, logger: capturingLogger(lines) })));
  afterEach(() => h.close());

  it('answers an unexpected error with 500 INTERNAL and no details', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/deployments', headers: h.auth });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { error: { code: 'INTERNAL', message: 'internal error' } });
  });

  it('logs the unexpected error with its stack', async () => {
    await h.app.inject({ method: 'GET', url: '/v1/deployments', headers: h.auth });
    const line = lines.find((l) => l.includes('request failed'));
    assert.ok(line);
    assert.match(line, /database exploded/);
  });
});
