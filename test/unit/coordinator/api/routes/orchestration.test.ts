import assert from 'node:assert/strict';
import { insertInstance } from '../../../../../coordinator/src/store/sqlite/instances.ts';
import { newId } from '../../../../../common/src/ids.ts';
import { startHarness, type Harness } from '../harness.ts';

/** Registers a host named `hostname` directly in the store; returns its id. */
async function addHost(h: Harness, hostname: string): Promise<string> {
  return insertInstance(h.db, { instanceId: newId('i'), hostname, publicKey: 'k', tags: {}, registeredAt: h.clock.now().toISOString() }).instanceId;
}

describe('orchestration routes', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.app.inject({ method: 'POST', url: '/v1/applications', headers: h.auth, payload: { name: 'shop' } });
  });
  afterEach(() => h.close());

  const post = (url: string, payload: object) => h.app.inject({ method: 'POST', url, headers: h.auth, payload });
  const web = { key: 'role', value: 'web', type: 'KEY_AND_VALUE' } as const;

  describe('deployment groups', () => {
    it('refuses an instance name no host has, or several have, naming it, and creates nothing', async () => {
      await addHost(h, 'twin');
      await addHost(h, 'twin');
      for (const [name, why] of [['nobody', /no registered instance has the id or hostname nobody/], ['twin', /2 instances have the hostname twin \(i-\S+, i-\S+\): name one by its instance id/]] as const) {
        const res = await post('/v1/applications/shop/deployment-groups', { name: 'g', instanceNames: [name] });
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.field, 'instanceNames');
        assert.match(res.json().error.message, why);
      }
      assert.equal((await h.app.inject({ method: 'GET', url: '/v1/applications/shop/deployment-groups', headers: h.auth })).json().deploymentGroups.length, 0);
    });

    it('does not let a host registered later under a named hostname join the group', async () => {
      const first = await addHost(h, 'db-9');
      await post('/v1/applications/shop/deployment-groups', { name: 'g', instanceNames: ['db-9'] });
      await addHost(h, 'db-9');
      const group = (await h.app.inject({ method: 'GET', url: '/v1/applications/shop/deployment-groups/g', headers: h.auth })).json();
      assert.deepEqual(group.instanceNames, [first]);
    });

    it('stores a tag set, explicit instances (resolved to ids) and the orchestration settings', async () => {
      const dbHost = await addHost(h, 'db-1');
      const res = await post('/v1/applications/shop/deployment-groups', {
        name: 'web', tagSet: [[web], [{ key: 'env', type: 'KEY_ONLY' }]], instanceNames: ['db-1'],
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] }, agentWaitSeconds: 30,
      });
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      assert.equal(body.tagSet.length, 2);
      assert.deepEqual(body.instanceNames, [dbHost]);
      assert.equal(body.agentWaitSeconds, 30);
      assert.equal(body.eventTimeoutSeconds, 3600);
      assert.equal(body.autoDeployNewInstances, true);
    });

    it('refuses tagFilters and a tagSet together, naming tagSet', async () => {
      const res = await post('/v1/applications/shop/deployment-groups', { name: 'web', tagFilters: [web], tagSet: [[web]] });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'tagSet');
    });

    it('refuses a tag set of four groups', async () => {
      const res = await post('/v1/applications/shop/deployment-groups', { name: 'web', tagSet: [[web], [web], [web], [web]] });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'tagSet');
    });
  });

  describe('deployment configs', () => {
    it('creates a custom config and lists it after the three built-ins', async () => {
      const res = await post('/v1/deployment-configs', { name: 'TwoDown', minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 } });
      assert.equal(res.statusCode, 201, res.body);
      const list = (await h.app.inject({ method: 'GET', url: '/v1/deployment-configs', headers: h.auth })).json().deploymentConfigs;
      assert.deepEqual(list.map((c: { name: string }) => c.name), [
        'CodeDeployDefault.OneAtATime', 'CodeDeployDefault.HalfAtATime', 'CodeDeployDefault.AllAtOnce', 'TwoDown',
      ]);
      assert.deepEqual(list[0].minimumHealthyHosts, { type: 'MOST_CONCURRENCY', value: 1 });
    });

    it('refuses FLEET_PERCENT above 99, naming the field', async () => {
      const res = await post('/v1/deployment-configs', { name: 'All', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 100 } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'minimumHealthyHosts.value');
    });

    it('refuses a name in the CodeDeployDefault. namespace', async () => {
      const res = await post('/v1/deployment-configs', { name: 'CodeDeployDefault.Mine', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'name');
    });

    it('refuses a second config of the same name with 409', async () => {
      const payload = { name: 'Twice', minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } };
      await post('/v1/deployment-configs', payload);
      assert.equal((await post('/v1/deployment-configs', payload)).statusCode, 409);
    });

    it('lets a group use a custom config by name', async () => {
      await post('/v1/deployment-configs', { name: 'Mine', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } });
      const res = await post('/v1/applications/shop/deployment-groups', { name: 'web', deploymentConfigName: 'Mine' });
      assert.equal(res.statusCode, 201, res.body);
    });
  });

  describe('instance tags', () => {
    beforeEach(() => {
      insertInstance(h.db, { instanceId: 'i-TAGGED01', hostname: 'web-1', publicKey: 'k', tags: { role: 'web', env: 'dev' }, registeredAt: 'x' });
    });

    it('sets tags, overwriting existing keys, and tells the scheduler', async () => {
      const res = await post('/v1/instances/i-TAGGED01/tags', { tags: { env: 'prod', rack: 'r1' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().tags, { role: 'web', env: 'prod', rack: 'r1' });
      assert.deepEqual(h.scheduler.changedInstances, ['i-TAGGED01']);
    });

    it('removes tag keys', async () => {
      const res = await post('/v1/instances/i-TAGGED01/tags/remove', { keys: ['env', 'missing'] });
      assert.deepEqual(res.json().tags, { role: 'web' });
    });

    it('answers 404 for an unknown instance and changes nothing', async () => {
      const res = await post('/v1/instances/i-UNKNOWN1/tags', { tags: { env: 'prod' } });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(h.scheduler.changedInstances, []);
    });

    it('refuses an empty tag set, naming tags', async () => {
      const res = await post('/v1/instances/i-TAGGED01/tags', { tags: {} });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.field, 'tags');
    });
  });
});
