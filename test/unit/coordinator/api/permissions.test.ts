/**
 * Who may call what: every route of the policy table, called by each role with a token
 * unscoped, scoped to the application the call acts on, and scoped to another one. The answers
 * must match the table (refused with 403 naming the permission or the scope exactly where the
 * table says so), every registered route must have an entry, and the README must show the table.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROLE_PERMISSIONS, ROLES } from '../../../../coordinator/src/auth/permissions.ts';
import { renderPolicyTable, TABLE_END, TABLE_START } from '../../../../coordinator/src/api/route-policies-doc.ts';
import { ROUTE_POLICIES, type RoutePolicy } from '../../../../coordinator/src/api/route-policies.ts';
import { insertApiToken } from '../../../../coordinator/src/store/sqlite/tokens.ts';
import type { TokenRole } from '../../../../coordinator/src/store/tokens.ts';
import { tgzBytes } from '../../../support/archives.ts';
import { fastifyRoutes, startHarness, testHasher, type Harness } from './harness.ts';

type Scope = 'unscoped' | 'in scope' | 'out of scope';
const SCOPES: readonly Scope[] = ['unscoped', 'in scope', 'out of scope'];

/** Whether the table lets `role`, with a token of `scope`, call a route of `policy` acting on app web. */
function allowed(policy: RoutePolicy, role: TokenRole, scope: Scope): boolean {
  if (policy.access === 'public') return true;
  if (!ROLE_PERMISSIONS[role].includes(policy.access)) return false;
  if (policy.scope === undefined || scope === 'unscoped') return true;
  // A scoped token may not touch what every application shares; within its scope it may act.
  return policy.scope !== 'global' && scope === 'in scope';
}

describe('who may call what (api/route-policies.ts)', function () {
  this.timeout(60_000);
  let h: Harness;
  const ids: Record<string, string> = {};

  const addToken = (name: string, role: TokenRole, applications: string[] | null): string => {
    const secret = `dh_${name}`;
    insertApiToken(h.db, { name, role, applications, groups: null, hash: testHasher.hash(secret), createdAt: h.clock.now().toISOString() });
    return secret;
  };

  before(async () => {
    h = await startHarness();
    const call = async (method: string, url: string, payload?: object) => {
      const res = await h.app.inject({ method: method as 'POST', url, headers: h.auth, ...(payload ? { payload } : {}) });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.body}`);
      return res.json();
    };
    for (const app of ['web', 'api']) {
      await call('POST', '/v1/applications', { name: app });
      await call('POST', `/v1/applications/${app}/deployment-groups`, { name: 'prod' });
    }
    const revision = await h.app.inject({
      method: 'POST', url: '/v1/applications/web/revisions?bundleType=tgz', headers: { ...h.auth, 'content-type': 'application/octet-stream' }, payload: tgzBytes(),
    });
    ids['revision'] = revision.json().revisionId;
    ids['deployment'] = (await call('POST', '/v1/deployments', { applicationName: 'web', deploymentGroupName: 'prod', revisionId: ids['revision'] })).deploymentId;
  });
  after(() => h.close());

  /** The URL of a route pattern, acting on application web. */
  function urlOf(pattern: string): string {
    return pattern.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
      if (name === 'app') return 'web';
      if (name === 'group') return 'prod';
      if (name === 'name') return 'no-such-token';
      if (pattern.startsWith('/v1/deployments/')) return ids['deployment']!;
      if (pattern.startsWith('/v1/revisions/')) return ids['revision']!;
      if (pattern.startsWith('/v1/instances/')) return 'i-NOSUCH0001';
      return 'rt-NOSUCH0001';
    });
  }

  /** A body that gets past the policy check (what happens next does not matter here). */
  function bodyOf(route: string, n: number): object | undefined {
    if (route.startsWith('GET') || route.startsWith('DELETE')) return undefined;
    if (route === 'POST /v1/applications') return { name: 'web' };
    if (route.startsWith('POST /v1/deployments')) return { applicationName: 'web', deploymentGroupName: 'prod', revisionId: ids['revision'] };
    if (route === 'POST /v1/api-tokens') return { name: `made-${n}`, role: 'viewer' };
    return {};
  }

  it('has a policy for every route the API registers, and none for a route it does not', () => {
    const registered = fastifyRoutes(h).map((r) => `${r.method} ${r.url}`);
    assert.ok(registered.length > 30, `found ${registered.length} routes`);
    for (const route of registered) assert.ok(Object.hasOwn(ROUTE_POLICIES, route), `${route} declares no permission in route-policies.ts`);
    for (const route of Object.keys(ROUTE_POLICIES)) {
      // The router itself answers for routes printRoutes folds away (swagger-ui's /docs/static/*).
      const [method, url] = route.split(' ') as [string, string];
      assert.ok(registered.includes(route) || h.app.hasRoute({ method: method as 'GET', url }), `route-policies.ts lists ${route}, which is not registered`);
    }
  });

  it('answers every route, role and scope as the table says', async () => {
    const secrets = new Map<string, string>();
    for (const role of ROLES) {
      secrets.set(`${role}/unscoped`, addToken(`${role}-all`, role, null));
      secrets.set(`${role}/in scope`, addToken(`${role}-web`, role, ['web']));
      secrets.set(`${role}/out of scope`, addToken(`${role}-api`, role, ['api']));
    }
    const mismatches: string[] = [];
    let n = 0;
    for (const [route, policy] of Object.entries(ROUTE_POLICIES)) {
      const [method, pattern] = route.split(' ') as [string, string];
      for (const role of ROLES) {
        for (const scope of SCOPES) {
          const body = bodyOf(route, n++);
          const res = await h.app.inject({
            method: method as 'GET',
            url: urlOf(pattern),
            headers: { authorization: `Bearer ${secrets.get(`${role}/${scope}`)}`, ...(route.endsWith('/revisions') ? { 'content-type': 'application/octet-stream' } : {}) },
            ...(route.endsWith('/revisions') ? { payload: tgzBytes() } : body ? { payload: body } : {}),
          });
          const refused = res.statusCode === 403 && /lacks the permission|is limited to/.test(res.body);
          const expected = allowed(policy, role, scope);
          if (refused === expected || res.statusCode === 401) mismatches.push(`${route} as ${role} ${scope}: ${res.statusCode} ${res.body.slice(0, 160)}`);
          if (refused) {
            const message = res.json().error.message as string;
            const named = policy.access !== 'public' && !ROLE_PERMISSIONS[role].includes(policy.access) ? `permission ${policy.access}` : 'is limited to';
            if (!message.includes(named)) mismatches.push(`${route} as ${role} ${scope}: the refusal does not name "${named}": ${message}`);
          }
        }
      }
    }
    assert.deepEqual(mismatches, []);
  });

  it('refuses a call without a token, with a revoked token and with an expired one (401, naming why)', async () => {
    const missing = await h.app.inject({ method: 'GET', url: '/v1/deployments' });
    assert.equal(missing.statusCode, 401);
    assert.match(missing.json().error.message, /missing Authorization: Bearer token/);
    const revoked = addToken('gone', 'admin', null);
    h.db.prepare("UPDATE api_tokens SET revoked_at = '2030-01-01T00:00:00.000Z' WHERE name = 'gone'").run();
    const r = await h.app.inject({ method: 'GET', url: '/v1/deployments', headers: { authorization: `Bearer ${revoked}` } });
    assert.equal(r.statusCode, 401);
    assert.match(r.json().error.message, /API token gone was revoked at 2030-01-01/);
    const expiring = addToken('brief', 'admin', null);
    h.db.prepare("UPDATE api_tokens SET expires_at = ? WHERE name = 'brief'").run(new Date(h.clock.now().getTime() + 1000).toISOString());
    assert.equal((await h.app.inject({ method: 'GET', url: '/v1/deployments', headers: { authorization: `Bearer ${expiring}` } })).statusCode, 200);
    h.clock.advance(1000);
    const e = await h.app.inject({ method: 'GET', url: '/v1/deployments', headers: { authorization: `Bearer ${expiring}` } });
    assert.equal(e.statusCode, 401);
    assert.match(e.json().error.message, /API token brief expired at/);
  });

  it('lists only what a scoped token covers', async () => {
    const web = addToken('lister-web', 'viewer', ['web']);
    const apps = await h.app.inject({ method: 'GET', url: '/v1/applications', headers: { authorization: `Bearer ${web}` } });
    assert.deepEqual(apps.json().applications.map((a: { name: string }) => a.name), ['web']);
    const api = addToken('lister-api', 'viewer', ['api']);
    const deployments = await h.app.inject({ method: 'GET', url: '/v1/deployments', headers: { authorization: `Bearer ${api}` } });
    assert.deepEqual(deployments.json().deployments, []);
    const all = await h.app.inject({ method: 'GET', url: '/v1/deployments', headers: h.auth });
    assert.ok(all.json().deployments.length >= 1);
  });

  it('is the table the README shows (npm run docs:permissions rewrites it)', () => {
    const readme = fs.readFileSync(path.join(import.meta.dirname, '../../../../README.md'), 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    assert.ok(start >= 0 && end > start, 'README.md has the permissions markers');
    assert.equal(readme.slice(start + TABLE_START.length, end).trim(), renderPolicyTable());
  });
});
