import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tgzBytes } from '../../../../support/archives.ts';
import { startHarness, type Harness } from '../harness.ts';

describe('GET /v1/deployments/:id/grid', () => {
  let h: Harness;
  let id: string;
  beforeEach(async () => {
    h = await startHarness();
    const post = (url: string, payload: object) => h.app.inject({ method: 'POST', url, headers: h.auth, payload });
    await post('/v1/applications', { name: 'web' });
    await post('/v1/applications', { name: 'api' });
    await post('/v1/applications/web/deployment-groups', { name: 'prod' });
    const rev = await h.app.inject({ method: 'POST', url: '/v1/applications/web/revisions?bundleType=tgz', headers: { ...h.auth, 'content-type': 'application/octet-stream' }, payload: tgzBytes() });
    id = (await post('/v1/deployments', { applicationName: 'web', deploymentGroupName: 'prod', revisionId: rev.json().revisionId })).json().deploymentId;
  });
  afterEach(() => h.close());

  it('answers the deployment with its columns and hosts', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/deployments/${id}/grid`, headers: h.auth });
    assert.equal(res.statusCode, 200);
    const grid = res.json();
    assert.equal(grid.deployment.deploymentId, id);
    assert.equal(grid.events[0], 'BeforeBlockTraffic');
    assert.deepEqual(grid.hosts, []);
    assert.deepEqual([grid.counts, grid.shown, grid.page, grid.pages, grid.pageSize, grid.grouped, grid.status], [{}, 0, 1, 1, 100, false, null]);
  });

  it('answers 404 naming a deployment that does not exist, and 400 naming a bad query', async () => {
    const missing = await h.app.inject({ method: 'GET', url: '/v1/deployments/d-ZZZZZZZZZZ/grid', headers: h.auth });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.message, 'deployment d-ZZZZZZZZZZ not found');
    const bad = await h.app.inject({ method: 'GET', url: `/v1/deployments/${id}/grid?follow=yes`, headers: h.auth });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'follow');
    for (const [query, field] of [['page=0', 'page'], ['status=Sleeping', 'status'], ['host=nope', 'host']]) {
      const res = await h.app.inject({ method: 'GET', url: `/v1/deployments/${id}/grid?${query}`, headers: h.auth });
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.json().error.field, field, query);
    }
  });

  it('refuses a token scoped to another application', async () => {
    const made = await h.app.inject({ method: 'POST', url: '/v1/api-tokens', headers: h.auth, payload: { name: 'api-only', role: 'viewer', applications: ['api'] } });
    assert.equal(made.statusCode, 201, made.body);
    const res = await h.app.inject({ method: 'GET', url: `/v1/deployments/${id}/grid`, headers: { authorization: `Bearer ${made.json().token}` } });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error.message, /not application web/);
  });

  it('streams the grid first as a Server-Sent Event with follow=1', async () => {
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const first = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/v1/deployments/${id}/grid?follow=1`, headers: h.auth }, (res) => {
        assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
          const end = text.indexOf('\n\n');
          if (end >= 0) {
            req.destroy();
            resolve(text.slice(0, end));
          }
        });
      });
      req.on('error', reject);
    });
    const [event, data] = first.split('\n');
    assert.equal(event, 'event: grid');
    assert.equal(JSON.parse((data ?? '').replace(/^data: /, '')).grid.deployment.deploymentId, id);
  });
});
