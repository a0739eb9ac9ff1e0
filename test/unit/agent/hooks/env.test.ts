import assert from 'node:assert/strict';
import { buildHookEnv } from '../../../../agent/src/hooks/env.ts';
import type { HookEnvInput } from '../../../../agent/src/hooks/env.ts';
import { createHookRunner } from '../../../../agent/src/hooks/index.ts';
import { systemClock } from '../../../../common/src/clock.ts';
import { FIXTURES, TempDeployment } from './helpers.ts';

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

  it('keeps the agent\'s own process tuning out of what hooks inherit, but not an operator\'s other value', () => {
    const tuned = buildHookEnv({ ...input(), base: { PATH: '/bin', MALLOC_ARENA_MAX: '2' } });
    assert.equal(tuned['MALLOC_ARENA_MAX'], undefined);
    const own = buildHookEnv({ ...input(), base: { PATH: '/bin', MALLOC_ARENA_MAX: '4' } });
    assert.equal(own['MALLOC_ARENA_MAX'], '4');
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

  it('sets BUNDLE_* for an S3 revision and unsets an absent version or ETag, as CodeDeploy does', () => {
    const env = buildHookEnv(input({ base: { BUNDLE_VERSION: 'old', BUNDLE_ETAG: 'old' }, bundle: { bucket: 'b', key: 'k/app.tgz', version: 'v3' } }));
    assert.deepEqual([env['BUNDLE_BUCKET'], env['BUNDLE_KEY'], env['BUNDLE_VERSION']], ['b', 'k/app.tgz', 'v3']);
    assert.equal('BUNDLE_ETAG' in env, false);
  });

  it('sets FAILED_LIFECYCLE_EVENT for AfterFailure', () => {
    assert.equal(buildHookEnv(input({ event: 'AfterFailure', failedLifecycleEvent: 'AfterInstall' }))['FAILED_LIFECYCLE_EVENT'], 'AfterInstall');
    assert.equal('FAILED_LIFECYCLE_EVENT' in buildHookEnv(input()), false);
  });

  it('removes AWS keys the agent may hold, and secrets named like DECKHAND_*KEY', () => {
    const env = buildHookEnv(input({ base: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_SESSION_TOKEN: 'c', AWS_REGION: 'eu-west-1', DECKHAND_PRIVATE_KEY: 'k' } }));
    assert.deepEqual(Object.keys(env).filter((k) => k.startsWith('AWS_') || k === 'DECKHAND_PRIVATE_KEY'), ['AWS_REGION']);
  });

  it('passes parameters named like secrets, since the deployer gave them', () => {
    assert.equal(buildHookEnv(input({ parameters: { AWS_SECRET_ACCESS_KEY: 'mine' } }))['AWS_SECRET_ACCESS_KEY'], 'mine');
  });

  it('keeps a parameter named __proto__ as a plain variable', () => {
    const env = buildHookEnv(input({ parameters: JSON.parse('{"__proto__": "p"}') as Record<string, string> }));
    assert.equal(Object.getOwnPropertyDescriptor(env, '__proto__')?.value, 'p');
  });
});

describe('buildHookEnv with the real runner', () => {
  let dep: TempDeployment;
  beforeEach(() => {
    dep = new TempDeployment();
  });
  afterEach(() => dep.remove());

  it('gives the script exactly the specified environment', async () => {
    const env = buildHookEnv(input({
      base: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', DECKHAND_ADMIN_TOKEN: 'secret', AWS_SECRET_ACCESS_KEY: 'k', BUNDLE_VERSION: 'stale' },
      archiveDir: FIXTURES,
      parameters: { STAGE: 'blue', GREETING: "it's \"quoted\" $HOME" },
      bundle: { bucket: 'releases', key: 'web/app.zip', etag: '"abc"' },
    }));
    const lines: string[] = [];
    const req = dep.request([{ location: 'print-env.js', timeoutSeconds: 10 }], { archiveDir: FIXTURES, env, onLine: (l) => lines.push(l.text) });
    const result = await createHookRunner({ clock: systemClock }).runEvent(req);
    assert.equal(result.status, 'Succeeded', result.message);
    const printed = JSON.parse(lines[0] ?? '{}') as { env: Record<string, string> };
    assert.deepEqual(printed.env, {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      STAGE: 'blue',
      GREETING: "it's \"quoted\" $HOME",
      LIFECYCLE_EVENT: 'AfterInstall',
      DEPLOYMENT_ID: 'd-7KQ2M9XAPR',
      APPLICATION_NAME: 'web',
      DEPLOYMENT_GROUP_NAME: 'prod',
      DEPLOYMENT_GROUP_ID: 'dg-ABC',
      DECKHAND_INSTANCE_ID: 'i-123',
      DECKHAND_ROOT: '/var/lib/deckhand',
      DECKHAND_DEPLOYMENT_DIR: '/var/lib/deckhand/deployments/dg-ABC/d-7KQ2M9XAPR',
      DECKHAND_ARCHIVE_DIR: FIXTURES,
      DECKHAND_REVISION_SHA256: 'ab'.repeat(32),
      BUNDLE_BUCKET: 'releases',
      BUNDLE_KEY: 'web/app.zip',
      BUNDLE_ETAG: '"abc"',
      // The sh wrapper exports its working directory, the archive, as any shell does.
      PWD: FIXTURES,
    });
  });
});
