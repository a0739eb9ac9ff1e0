import assert from 'node:assert/strict';
import { CreateHealthCheckRequest } from '../../../../protocol/src/index.ts';
import { checkJson, parseJsonCondition, parseNumberCondition, holds } from '../../../../coordinator/src/health/condition.ts';
import { parseJsonPath, readJsonPath } from '../../../../coordinator/src/health/jsonpath.ts';
import { redactUrl, splitCredentials } from '../../../../coordinator/src/health/redact.ts';
import { render, unknownPlaceholder } from '../../../../coordinator/src/health/template.ts';
import { checkProblem } from '../../../../coordinator/src/health/validate.ts';
import { healthCheckView } from '../../../../coordinator/src/health/views.ts';
import type { HealthHost } from '../../../../coordinator/src/store/health.ts';

const host = (hostname: string, extra: Partial<HealthHost> = {}): HealthHost => ({ instanceId: 'i-HOST0001', hostname, tags: {}, step: 1, segment: null, status: 'Succeeded', ...extra });
const base = { deploymentId: 'd-ABCDEFGH', groupName: 'web', applicationName: 'shop' };

describe('health templates, conditions and redaction', () => {
  it('renders the canary as an escaped PromQL regex alternation and as a selector on the host label', () => {
    const v = { ...base, canary: [host('web.1'), host('web-2')], hostLabel: 'host' };
    assert.equal(render('rate(e{ {{canary.selector}} }[1m])', v), 'rate(e{ host=~"web\\\\.1|web-2" }[1m])');
    assert.equal(render('x{instance=~"{{canary.instances}}"}', v), 'x{instance=~"web\\\\.1|web-2"}');
  });

  it('renders a host into a URL: IPv6 in brackets, tags percent-encoded', () => {
    const h = host('h1', { address: 'fe80::1', tags: { zone: 'a b' } });
    assert.equal(render('http://{{host.address}}:8080/health?z={{host.tags.zone}}&d={{deployment.id}}', { ...base, host: h }, true), 'http://[fe80::1]:8080/health?z=a%20b&d=d-ABCDEFGH');
  });

  it('refuses placeholders a field does not take, naming the known ones', () => {
    assert.match(unknownPlaceholder('{{canary.instances}}', 'url') ?? '', /unknown placeholder \{\{canary\.instances\}\} \(known: .*\{\{host\.address\}\}/);
    assert.match(unknownPlaceholder('{{host.address}}', 'query') ?? '', /unknown placeholder/);
    assert.equal(unknownPlaceholder('{{host.tags.zone}}', 'url'), undefined);
    assert.match(unknownPlaceholder('{{deployment.id}}', 'fixed') ?? '', /this field takes none/);
  });

  it('parses and evaluates conditions on numbers and on JSON answers', () => {
    const c = parseNumberCondition('result < 0.01');
    assert.ok(c.ok);
    assert.equal(holds(0.001, c.condition), true);
    assert.equal(holds(0.2, c.condition), false);
    assert.match((parseNumberCondition('value < 1') as { error: string }).error, /expected "result OP NUMBER"/);
    const j = parseJsonCondition('$.checks[0]["name"] == "db"');
    assert.ok(j.ok);
    assert.equal(checkJson({ checks: [{ name: 'db' }] }, j.condition).result, 'met');
    assert.equal(checkJson({ checks: [{ name: 'cache' }] }, j.condition).result, 'unmet');
    assert.equal(checkJson({}, j.condition).result, 'missing');
    assert.match((parseJsonCondition('$.a < "x"') as { error: string }).error, /compares numbers only/);
  });

  it('reads a small JSONPath subset and refuses the rest', () => {
    const p = parseJsonPath("$.a['b c'][-1]");
    assert.ok(p.ok);
    assert.deepEqual(readJsonPath({ a: { 'b c': [1, 2, 3] } }, p.steps), { found: true, value: 3 });
    assert.match((parseJsonPath('$..a') as { error: string }).error, /unsupported path syntax/);
    assert.match((parseJsonPath('$[?(@.x)]') as { error: string }).error, /unsupported path syntax/);
  });

  it('hides credentials of URLs and every header value in views', () => {
    assert.equal(redactUrl('http://user:s3cret@prom:9090/x'), 'http://***@prom:9090/x');
    const split = splitCredentials('http://user:s3cret@prom:9090/x');
    assert.equal(split.url, 'http://prom:9090/x');
    assert.equal(split.authorization, `Basic ${Buffer.from('user:s3cret').toString('base64')}`);
    const spec = CreateHealthCheckRequest.parse({ name: 'errors', type: 'prometheus', address: 'http://u:pw@prom:9090', query: 'up', condition: 'result == 1', headers: { authorization: 'Bearer tok' } });
    const view = JSON.stringify(healthCheckView({ name: 'errors', type: 'prometheus', spec, createdAt: 'now' }));
    assert.doesNotMatch(view, /pw|tok/);
    assert.match(view, /"authorization":"\*\*\*"/);
  });

  it('names the field of a check\'s first problem', () => {
    const problem = (x: unknown) => checkProblem(CreateHealthCheckRequest.parse(x));
    assert.equal(problem({ name: 'a', type: 'prometheus', address: 'http://p:9090', query: 'up{x="{{host.address}}"}', condition: 'result == 1' })?.field, 'query');
    assert.equal(problem({ name: 'a', type: 'prometheus', address: 'http://p:9090', query: 'up', condition: 'result ~ 1' })?.field, 'condition');
    assert.equal(problem({ name: 'a', type: 'http', url: 'http://{{host.address}}:80/', condition: '$.ok = true' })?.field, 'condition');
    assert.equal(problem({ name: 'a', type: 'webhook', url: 'http://m/{{host.hostname}}' })?.field, 'url');
    assert.equal(problem({ name: 'a', type: 'command', script: '../../bin/x' })?.field, 'script');
    assert.match(problem({ name: 'a', type: 'command', script: 'checks/smoke.sh' })?.message ?? '', /command checks are not available yet/);
    assert.equal(problem({ name: 'a', type: 'http', url: 'http://{{host.address}}:80/health' }), undefined);
  });
});
