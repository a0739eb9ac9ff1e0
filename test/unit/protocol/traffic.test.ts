import assert from 'node:assert/strict';
import {
  BlueGreenDeploymentConfiguration,
  CreateDeploymentGroupRequest,
  DeploySpec,
  fillServerTemplate,
  parseServerTemplate,
  redactTrafficControl,
  routingSteps,
  styleProblem,
  TrafficControl,
} from '../../../protocol/src/index.ts';

const HAPROXY = { provider: 'haproxy', socket: '/run/haproxy/admin.sock', backend: 'web', serverTag: 'lb-server' };

function firstIssue(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown): string {
  const r = schema.safeParse(value);
  assert.equal(r.success, false, 'expected a refusal');
  const issue = r.error?.issues[0];
  return `${issue?.path.map(String).join('.')}: ${issue?.message}`;
}

describe('traffic control shapes', () => {
  describe('TrafficControl', () => {
    it('fills every default of a minimal HAProxy setting', () => {
      const c = TrafficControl.parse(HAPROXY);
      assert.deepEqual(c, { ...HAPROXY, blockState: 'drain', drainTimeoutSeconds: 30, healthyPasses: 3, healthIntervalSeconds: 1, allowTimeoutSeconds: 300, keepFailedHostsOut: true });
    });

    it('names an unknown provider and the ones there are', () => {
      assert.equal(firstIssue(TrafficControl, { provider: 'envoy' }), 'provider: unknown traffic provider "envoy": use haproxy, nginx, command, http');
    });

    it('refuses a malformed template, saying where', () => {
      const { serverTag: _t, ...rest } = HAPROXY;
      assert.equal(firstIssue(TrafficControl, { ...rest, serverTemplate: 'web-{hostname' }), 'serverTemplate: malformed template "web-{hostname": "{" at position 4 is never closed');
      assert.match(firstIssue(TrafficControl, { ...rest, serverTemplate: '{ip}' }), /unknown placeholder \{ip\}: use \{hostname\}, \{instanceId\}, \{tag:KEY\}/);
    });

    it('needs exactly one host-to-server mapping', () => {
      const { serverTag: _t, ...none } = HAPROXY;
      assert.match(firstIssue(TrafficControl, none), /^serverTag: name the host-to-server mapping/);
      assert.match(firstIssue(TrafficControl, { ...HAPROXY, serverTemplate: '{hostname}' }), /^serverTag: name the host-to-server mapping/);
    });

    it('refuses a socket that is neither an absolute Unix path nor tcp://host:port', () => {
      assert.match(firstIssue(TrafficControl, { ...HAPROXY, socket: 'admin.sock' }), /^socket: must be the absolute path of a Unix socket or tcp:\/\/host:port/);
      assert.equal(TrafficControl.parse({ ...HAPROXY, socket: 'tcp://127.0.0.1:9999' }).provider, 'haproxy');
    });

    it('refuses a webhook URL with credentials in it, and never shows the token', () => {
      assert.match(firstIssue(TrafficControl, { provider: 'http', url: 'https://user:pw@lb.example/traffic' }), /must not carry credentials: use token/);
      const view = redactTrafficControl(TrafficControl.parse({ provider: 'http', url: 'https://lb.example/traffic', token: 's3cret' }));
      assert.equal(JSON.stringify(view).includes('s3cret'), false);
      assert.equal((view as { tokenSet?: boolean }).tokenSet, true);
    });
  });

  describe('deployment style', () => {
    it('asks for a provider with WITH_TRAFFIC_CONTROL and for the configuration with BLUE_GREEN', () => {
      assert.equal(styleProblem({ deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' }, undefined, undefined)?.code, 'MISSING_ELB_INFORMATION');
      const haproxy = TrafficControl.parse(HAPROXY);
      assert.equal(styleProblem({ deploymentType: 'BLUE_GREEN' }, haproxy, undefined)?.code, 'MISSING_BLUE_GREEN_DEPLOYMENT_CONFIGURATION');
      assert.equal(styleProblem({ deploymentType: 'BLUE_GREEN' }, undefined, undefined)?.code, 'MISSING_ELB_INFORMATION');
      assert.equal(styleProblem(undefined, haproxy, undefined), undefined);
    });

    it('refuses blue/green with command scripts, which only run inside a host\'s lifecycle', () => {
      const command = TrafficControl.parse({ provider: 'command', block: '/usr/local/bin/drain', allow: '/usr/local/bin/undrain' });
      const bg = BlueGreenDeploymentConfiguration.parse({ greenFleetProvisioningOption: { action: 'DISCOVER_BY_TAGS', fleetTag: 'fleet' } });
      assert.match(styleProblem({ deploymentType: 'BLUE_GREEN' }, command, bg)?.message ?? '', /needs a balancer the coordinator drives/);
    });

    it("says why CodeDeploy's EC2 options do not apply to owned hosts", () => {
      assert.match(firstIssue(BlueGreenDeploymentConfiguration, { greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' } }), /use DISCOVER_BY_TAGS/);
      const base = { greenFleetProvisioningOption: { action: 'DISCOVER_BY_TAGS', fleetTag: 'fleet' } };
      assert.match(firstIssue(BlueGreenDeploymentConfiguration, { ...base, terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE' } }), /never terminates hosts you own: use KEEP_ALIVE or RETIRE/);
    });

    it('takes traffic control on a group being created', () => {
      const req = CreateDeploymentGroupRequest.parse({ name: 'web', trafficControl: HAPROXY, deploymentStyle: { deploymentType: 'BLUE_GREEN' } });
      assert.equal(req.trafficControl?.provider, 'haproxy');
      assert.equal(req.deploymentStyle?.deploymentType, 'BLUE_GREEN');
    });
  });

  describe('routingSteps', () => {
    it('moves all at once by default, a canary then the rest, or linear steps', () => {
      assert.deepEqual(routingSteps(undefined), [{ percent: 100, intervalSeconds: 0 }]);
      assert.deepEqual(routingSteps({ type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryIntervalSeconds: 60 } }), [
        { percent: 10, intervalSeconds: 60 },
        { percent: 100, intervalSeconds: 0 },
      ]);
      assert.deepEqual(routingSteps({ type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 40, linearIntervalSeconds: 5 } }).map((s) => s.percent), [40, 80, 100]);
    });
  });

  describe('server templates', () => {
    const host = { instanceId: 'i-ABCDEF01', hostname: 'web-1', tags: { rack: 'r7' } };

    it('fills hostname, instance id and tags', () => {
      const parts = parseServerTemplate('{tag:rack}-{hostname}-{instanceId}');
      assert.ok(Array.isArray(parts));
      assert.deepEqual(fillServerTemplate(parts, host), { value: 'r7-web-1-i-ABCDEF01' });
    });

    it('names the tag a host lacks', () => {
      const parts = parseServerTemplate('{tag:lb}');
      assert.ok(Array.isArray(parts));
      assert.deepEqual(fillServerTemplate(parts, host), { missing: 'lb' });
    });

    it('says what is wrong with a bad template', () => {
      assert.equal(parseServerTemplate('web}'), '"}" at position 3 closes no placeholder');
      assert.equal(parseServerTemplate('{tag:}'), '{tag:} names no tag key');
      assert.match(String(parseServerTemplate('static-name')), /names no host value/);
    });
  });

  describe('DeploySpec', () => {
    it('takes only lifecycle events a deploy command may run, once each', () => {
      const spec = {
        deploymentId: 'd-ABCDEF01', applicationName: 'a', deploymentGroupName: 'g', deploymentGroupId: 'dg-ABCDEF01',
        revision: { revisionId: 'r-ABCDEF01', sha256: 'a'.repeat(64), bundleType: 'tgz', size: 1, location: { kind: 'coordinator', path: '/v1/x' } },
        fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false, parameters: {},
      };
      assert.equal(DeploySpec.safeParse({ ...spec, events: ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic', 'Retire'], traffic: { runBy: 'coordinator' } }).success, true);
      assert.equal(DeploySpec.safeParse({ ...spec, events: ['RunSomething'] }).success, false);
      assert.equal(DeploySpec.safeParse({ ...spec, events: ['Install', 'Install'] }).success, false);
    });

    it('checks the traffic spec an agent is sent (zod/mini), naming the field and what is wrong', () => {
      const spec = {
        deploymentId: 'd-ABCDEF01', applicationName: 'a', deploymentGroupName: 'g', deploymentGroupId: 'dg-ABCDEF01',
        revision: { revisionId: 'r-ABCDEF01', sha256: 'a'.repeat(64), bundleType: 'tgz', size: 1, location: { kind: 'coordinator', path: '/v1/x' } },
        fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false, parameters: {},
      };
      const agent = { runBy: 'agent', block: '/opt/lb/block', allow: '/opt/lb/allow', timeoutSeconds: 30, healthyPasses: 2, healthIntervalSeconds: 0.5, allowTimeoutSeconds: 60 };
      assert.equal(DeploySpec.safeParse({ ...spec, traffic: agent }).success, true);
      const relative = DeploySpec.safeParse({ ...spec, traffic: { ...agent, block: 'lb/block' } });
      assert.equal(relative.success, false);
      assert.deepEqual(relative.error?.issues.map((i) => [i.path.join('.'), i.message]), [['traffic.block', 'must be an absolute path']]);
      const passes = DeploySpec.safeParse({ ...spec, traffic: { ...agent, healthyPasses: 0 } });
      assert.deepEqual(passes.error?.issues.map((i) => [i.path.join('.'), i.message]), [['traffic.healthyPasses', 'Too small: expected number to be >=1']]);
      assert.equal(DeploySpec.safeParse({ ...spec, traffic: { runBy: 'nobody' } }).success, false);
    });
  });
});
