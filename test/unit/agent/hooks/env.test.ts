import assert from 'node:assert/strict';
import { buildHookEnv } from '../../../../agent/src/hooks/env.ts';
import type { HookEnvInput } from '../../../../agent/src/hooks/env.ts';

const input = (over: Partial<HookEnvInput> = {}): HookEnvInput => ({
  base: { PATH: '/usr/bin', HOME: '/root', UNSET: undefined },
  event: 'AfterInstall',
  deploymentId: 'd-7KQ2M9XAPR',
  applicationName: 'web',
  deploymentGroupName: 'prod',
  deploymentGroupId: 'dg-ABC',
  instanceId: 'i-123',
  root: '/var/lib/deckhand',
  deploymentDir: '/var/lib/deckhand/deployments/dg-ABC/d-7KQ2M9XAPR',
  archiveDir: '/var/lib/deckhand/deployments/dg-ABC/d-7KQ2M9XAPR/deployment-archive',
  revisionSha256: 'ab'.repeat(32),
  parameters: {},
  ...over,
});

describe('buildHookEnv', () => {
  it('sets the CodeDeploy and Deckhand variables on top of the base environment', () => {
    assert.deepEqual({ ...buildHookEnv(input()) }, {
      PATH: '/usr/bin',
      HOME: '/root',
      LIFECYCLE_EVENT: 'AfterInstall',
      DEPLOYMENT_ID: 'd-7KQ2M9XAPR',
      APPLICATION_NAME: 'web',
      DEPLOYMENT_GROUP_NAME: 'prod',
      DEPLOYMENT_GROUP_ID: 'dg-ABC',
      DECKHAND_INSTANCE_ID: 'i-123',
      DECKHAND_ROOT: '/var/lib/deckhand',
      DECKHAND_DEPLOYMENT_DIR: '/var/lib/deckhand/deployments/dg-ABC/d-7KQ2M9XAPR',
      DECKHAND_ARCHIVE_DIR: '/var/lib/deckhand/deployments/dg-ABC/d-7KQ2M9XAPR/deployment-archive',
      DECKHAND_REVISION_SHA256: 'ab'.repeat(32),
    });
  });

  it("removes the agent's tokens from the base environment", () => {
    const env = buildHookEnv(input({ base: { DECKHAND_ADMIN_TOKEN: 'x', DECKHAND_REGISTRATION_TOKEN: 'y', deckhand_token: 'z', DECKHAND_LOG: 'info' } }));
    assert.equal(env['DECKHAND_ADMIN_TOKEN'], undefined);
    assert.equal(env['DECKHAND_REGISTRATION_TOKEN'], undefined);
    assert.equal(env['deckhand_token'], undefined);
    assert.equal(env['DECKHAND_LOG'], 'info');
  });

  it('adds each parameter as its own variable, overriding the base environment', () => {
    const env = buildHookEnv(input({ parameters: { STAGE: 'blue', PATH: '/opt/bin' } }));
    assert.equal(env['STAGE'], 'blue');
    assert.equal(env['PATH'], '/opt/bin');
  });

  it('does not let parameters override the fixed variables', () => {
    const env = buildHookEnv(input({ parameters: { DEPLOYMENT_ID: 'd-EVIL', DECKHAND_ROOT: '/tmp', LIFECYCLE_EVENT: 'x' } }));
    assert.equal(env['DEPLOYMENT_ID'], 'd-7KQ2M9XAPR');
    assert.equal(env['DECKHAND_ROOT'], '/var/lib/deckhand');
    assert.equal(env['LIFECYCLE_EVENT'], 'AfterInstall');
  });

  it('keeps a parameter named __proto__ as a plain variable', () => {
    const env = buildHookEnv(input({ parameters: JSON.parse('{"__proto__": "p"}') as Record<string, string> }));
    assert.equal(Object.getOwnPropertyDescriptor(env, '__proto__')?.value, 'p');
  });
});
