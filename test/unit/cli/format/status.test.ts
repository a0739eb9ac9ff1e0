import assert from 'node:assert/strict';
import { formatFailures, formatStatus } from '../../../../cli/src/format/status.ts';
import { formatDuration, formatAgo } from '../../../../cli/src/format/time.ts';
import { deployment, ev, target } from '../helpers.ts';

describe('status format', () => {
  it('lists every host with one row per lifecycle event', () => {
    const view = deployment('InProgress', [target('web-2', 'Pending'), target('web-1', 'InProgress', ['Skipped', 'InProgress'])]);
    const lines = formatStatus(view).split('\n');
    const header = lines.findIndex((l) => l.startsWith('HOST'));
    assert.match(lines[header] ?? '', /^HOST\s+INSTANCE\s+HOST STATUS\s+EVENT\s+STATUS\s+DURATION\s+ERROR$/);
    assert.match(lines[header + 1] ?? '', /^web-1\s+i-WEB1XXXX\s+InProgress\s+ApplicationStop\s+Skipped$/);
    assert.match(lines[header + 2] ?? '', /^\s+DownloadBundle\s+InProgress$/);
    assert.match(lines[header + 8] ?? '', /^web-2\s+i-WEB2XXXX\s+Pending\s+ApplicationStop\s+Pending$/);
    assert.equal(lines.length, header + 15);
  });

  it('shows the deployment error and the log tail of failed events', () => {
    const view = deployment('Failed', [target('web-1', 'Failed')]);
    view.errorInformation = { code: 'HEALTH_CONSTRAINTS', message: 'too few healthy hosts' };
    view.targets[0]!.lifecycleEvents[2] = ev('BeforeInstall', 'Failed', {
      diagnostics: { errorCode: 'ScriptFailed', message: 'exit 3', scriptName: 'scripts/a.sh', logTail: 'line 1\nboom\n' },
    });
    const text = formatStatus(view);
    assert.match(text, /error: HEALTH_CONSTRAINTS: too few healthy hosts/);
    assert.deepEqual(formatFailures(view), [
      'failed: web-1 (i-WEB1XXXX) BeforeInstall: ScriptFailed: exit 3 (script scripts/a.sh)',
      '  log tail:',
      '    | line 1',
      '    | boom',
    ]);
  });

  it('formats durations and ages for people', () => {
    assert.deepEqual([850, 2400, 185_000].map(formatDuration), ['850ms', '2.4s', '3m05s']);
    const now = new Date('2024-05-01T12:00:00Z');
    assert.equal(formatAgo('2024-05-01T11:59:48Z', now), '12s ago');
    assert.equal(formatAgo(undefined, now), 'never');
  });
});

describe('formatStatus with traffic control', () => {
  it('shows where a blue/green deployment stands and each host\'s fleet and balancer state', async () => {
    const { formatBlueGreen, formatBalancer } = await import('../../../../cli/src/format/traffic.ts');
    const view = {
      blueGreen: { phase: 'switch', blueFleet: 'a', greenFleet: 'b', step: 1, steps: 2, trafficMoved: true, until: '2030-01-01T00:01:00.000Z' },
      targets: [
        { hostname: 'web-3', instanceId: 'i-WEB00003', status: 'Succeeded', lifecycleEvents: [], instanceLabel: 'Green', balancer: { state: 'serving', detail: 'web-3 passed 3 health check(s) in a row' } },
        { hostname: 'web-1', instanceId: 'i-WEB00001', status: 'Pending', lifecycleEvents: [], instanceLabel: 'Blue', balancer: { state: 'out' } },
      ],
    } as never;
    assert.deepEqual(formatBlueGreen(view), ['  blue/green: blue fleet a, green fleet b; moving traffic, step 1 of 2 until 2030-01-01T00:01:00.000Z; traffic moved']);
    const table = formatBalancer(view).join('\n');
    assert.match(table, /web-1\s+Blue\s+out/);
    assert.match(table, /web-3\s+Green\s+serving\s+web-3 passed 3 health check/);
  });
});
