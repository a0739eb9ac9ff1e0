import assert from 'node:assert/strict';
import { ROUTE_DOCS } from '../../../../coordinator/src/api/openapi-routes.ts';
import { DASHBOARD_ASSET_ROUTE, DASHBOARD_PAGES } from '../../../../coordinator/src/api/routes/dashboard-page.ts';
import { buildOpenApi } from '../../../../coordinator/src/api/openapi.ts';
import { fastifyRoutes, startHarness, type Harness } from './harness.ts';

const METHODS = ['get', 'post', 'put', 'delete', 'patch'];

describe('GET /v1/openapi.json', () => {
  let h: Harness;
  let doc: any;
  beforeEach(async () => {
    h = await startHarness();
    const res = await h.app.inject({ method: 'GET', url: '/v1/openapi.json', headers: h.auth });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  afterEach(() => h.close());

  it('is an OpenAPI 3.1 document with info and paths', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.ok(Object.keys(doc.paths).length > 20);
  });

  it('documents every route fastify registered, with a success response', () => {
    // /docs is the rendered page of this document (swagger-ui's own routes), not part of the API.
    // The dashboard's page and files (issue 19) are the web interface, not part of the API either.
    const ui = new Set<string>([...DASHBOARD_PAGES, DASHBOARD_ASSET_ROUTE]);
    const routes = fastifyRoutes(h).filter((r) => !r.url.startsWith('/docs') && !ui.has(r.url));
    assert.ok(routes.length > 20, `found ${routes.length} routes`);
    for (const { method, url } of routes) {
      const op = doc.paths[url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[method.toLowerCase()];
      assert.ok(op, `${method} ${url} is missing from the OpenAPI document (add it to ROUTE_DOCS)`);
      assert.ok(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), `${method} ${url} has a 2xx response`);
    }
  });

  it('lists no route that fastify does not have', () => {
    const real = new Set(fastifyRoutes(h).map((r) => `${r.method} ${r.url}`));
    for (const key of Object.keys(ROUTE_DOCS)) assert.ok(real.has(key), `ROUTE_DOCS has ${key}, which is not registered`);
  });

  it('declares each path parameter of a templated path', () => {
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const method of Object.keys(item).filter((k) => METHODS.includes(k))) {
        const declared = item[method].parameters.filter((p: any) => p.in === 'path').map((p: any) => p.name);
        assert.deepEqual(declared, names, `${method} ${path}`);
      }
    }
  });

  /** The component a `$ref` names. */
  function resolve(schema: any): any {
    const ref: string | undefined = schema.$ref;
    return ref === undefined ? schema : doc.components.schemas[ref.replace('#/components/schemas/', '')];
  }

  it('gives JSON request bodies the protocol schema, e.g. CreateDeploymentRequest', () => {
    const ref = doc.paths['/v1/deployments'].post.requestBody.content['application/json'].schema;
    assert.equal(ref.$ref, '#/components/schemas/CreateDeploymentRequestInput');
    const schema = resolve(ref);
    assert.equal(schema.type, 'object');
    assert.deepEqual([...schema.required].sort(), ['applicationName', 'deploymentGroupName', 'revisionId']);
    assert.ok(schema.properties.requireApproval);
  });

  it('gives JSON answers the view schema, e.g. the pause answer', () => {
    const schema = resolve(doc.paths['/v1/deployments/{id}/pause'].post.responses['200'].content['application/json'].schema);
    assert.ok(resolve(schema.properties.rollout).properties.waitingFor);
  });

  it('names each operation and keeps the shared shapes in components/schemas', () => {
    assert.equal(doc.paths['/v1/deployments/{id}'].get.operationId, 'getDeployment');
    assert.equal(doc.paths['/v1/deployments/{id}/logs'].get.operationId, 'getDeploymentLogs');
    const ids = Object.values<any>(doc.paths).flatMap((item) => Object.values<any>(item).map((op) => op.operationId));
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
    assert.ok(doc.components.schemas.DeploymentView);
    assert.equal(doc.components.schemas.DeploymentView.properties.targets.items.$ref, '#/components/schemas/DeploymentTargetView');
  });

  it('is readable without a token', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
  });

  it('leaves out a route without documentation, so the completeness test catches it', () => {
    const built = buildOpenApi([{ method: 'GET', url: '/v1/undocumented' }]) as { paths: Record<string, unknown> };
    assert.deepEqual(built.paths, {});
  });
});

describe('GET /docs', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('serves the rendered API page and its assets without a token, from the coordinator itself', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger-ui/);
    assert.doesNotMatch(page.body, /https?:\/\/(unpkg|cdn)/);
    const bundle = await h.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    assert.equal(bundle.statusCode, 200);
    const json = await h.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(json.json().openapi, '3.1.0');
  });

  it('serves nothing else from the package', async () => {
    assert.equal((await h.app.inject({ method: 'GET', url: '/docs/package.json' })).statusCode, 404);
  });
});
