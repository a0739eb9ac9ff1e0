import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatGroupTraffic, parseBlueGreenSpec, parseTrafficSpec, trafficFields } from '../../../../cli/src/commands/groups-traffic.ts';
import { UsageError } from '../../../../cli/src/errors.ts';

describe('groups --traffic, --style and --blue-green', () => {
  it('reads the short form, converting numbers, booleans and the reload command', () => {
    assert.deepEqual(parseTrafficSpec('haproxy,socket=/run/haproxy/admin.sock,backend=web,serverTemplate={hostname},drainTimeoutSeconds=10,keepFailedHostsOut=false', 'u'), {
      provider: 'haproxy', socket: '/run/haproxy/admin.sock', backend: 'web', serverTemplate: '{hostname}', drainTimeoutSeconds: 10, keepFailedHostsOut: false,
    });
    assert.deepEqual(parseTrafficSpec('nginx,upstreamFile=/etc/nginx/up.conf,serverTag=upstream,reload=nginx -s reload', 'u'), {
      provider: 'nginx', upstreamFile: '/etc/nginx/up.conf', serverTag: 'upstream', reload: ['nginx', '-s', 'reload'],
    });
    assert.equal(parseTrafficSpec('none', 'u'), null);
  });

  it('reads JSON from a file, so a webhook token stays out of the shell history', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dh-cli-')), 'lb.json');
    fs.writeFileSync(file, JSON.stringify({ provider: 'http', url: 'https://lb.example/t', token: 'x' }));
    assert.deepEqual(parseTrafficSpec(`@${file}`, 'u'), { provider: 'http', url: 'https://lb.example/t', token: 'x' });
    assert.throws(() => parseTrafficSpec('@/no/such/file.json', 'u'), (err: unknown) => err instanceof UsageError && /--traffic: cannot read \/no\/such\/file\.json: ENOENT/.test(err.message));
    assert.throws(() => parseTrafficSpec('haproxy,socket', 'u'), /--traffic: expected key=value after the provider, got "socket"/);
  });

  it('builds CodeDeploy\'s blueGreenDeploymentConfiguration from the short form', () => {
    assert.deepEqual(parseBlueGreenSpec('fleet=color,canary=10:60,wait=5,retire', 'u'), {
      greenFleetProvisioningOption: { action: 'DISCOVER_BY_TAGS', fleetTag: 'color' },
      trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryIntervalSeconds: 60 } },
      terminateBlueInstancesOnDeploymentSuccess: { action: 'RETIRE', terminationWaitTimeInMinutes: 5 },
    });
    assert.throws(() => parseBlueGreenSpec('canary=10:60', 'u'), /fleet=TAG is required/);
    assert.throws(() => parseBlueGreenSpec('fleet=c,steps=3', 'u'), /unknown setting "steps"/);
  });

  it('sends only the fields given, and names a bad style', () => {
    assert.deepEqual(trafficFields({ style: 'blue-green' }, 'u'), { deploymentStyle: { deploymentType: 'BLUE_GREEN' } });
    assert.throws(() => trafficFields({ style: 'canary' }, 'u'), /--style must be in-place or blue-green, got "canary"/);
  });

  it('shows each host on the balancer, with its fleet for blue/green', () => {
    const text = formatGroupTraffic({
      deploymentGroupName: 'web', provider: 'haproxy', deploymentType: 'BLUE_GREEN', liveFleet: 'b',
      hosts: [{ instanceId: 'i-WEB00001', hostname: 'web-1', state: 'out', fleet: 'a', live: { state: 'draining', detail: 'DRAIN' } }],
    });
    assert.match(text, /^web: traffic control by haproxy, BLUE_GREEN, fleet b serving/);
    assert.match(text, /web-1\s+i-WEB00001\s+a\s+out\s+draining \(DRAIN\)/);
  });
});
