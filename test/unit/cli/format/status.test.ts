import assert from 'node:assert/strict';
import { filterTargets, formatFailures, formatStatus, formatWaiting } from '../../../../cli/src/format/status.ts';
import { formatDuration, formatAgo } from '../../../../cli/src/format/time.ts';
import { deployment, ev, target } from '../helpers.ts';

describe('status format', () => {
  it('lists every host with one row per lifecycle event', () => {
    const view = deployment('InProgress', [target('web-2', 'Pending'), target('web-1', 'InProgress', ['Skipped', 'InProgress'])]);
    const lines = formatStatus(view).split('\n');
    const header = lines.findIndex((l) => l.startsWith('HOST'));
    assert.match(lines[header] ?? '', /^HOST\s+INSTANCE\s+HOST STATUS\s+EVENT\s+STATUS\s+DURATION\s+ERROR OR NOTE$/);
    assert.match(lines[header + 1] ?? '', /^web-1\s+i-WEB1XXXX\s+InProgress\s+ApplicationStop\s+Skipped$/);
    assert.match(lines[header + 2] ?? '', /^\s+DownloadBundle\s+InProgress$/);
    assert.match(lines[header + 8] ?? '', /^web-2\s+i-WEB2XXXX\s+Pending\s+ApplicationStop\s+Pending$/);
    assert.equal(lines.length, header + 15);
  });

  it('says why a host failed or was skipped, with its code and message', () => {
    const offline = target('web-1', 'Failed');
    offline.errorCode = 'AGENT_OFFLINE';
    offline.message = 'The agent did not connect before the group\'s agent deadline (last seen 2030-01-01T00:00:00.000Z).';
    const skipped = target('web-2', 'Skipped');
    skipped.message = 'Not deployed: the deployment stopped with HEALTH_CONSTRAINTS before this host\'s turn.';
    const text = formatStatus(deployment('Failed', [offline, skipped]));
    assert.match(text, /host web-1 \(i-WEB1XXXX\) Failed  AGENT_OFFLINE: The agent did not connect .*last seen 2030/);
    assert.match(text, /host web-2 \(i-WEB2XXXX\) Skipped  Not deployed: the deployment stopped with HEALTH_CONSTRAINTS/);
  });

  it('shows skipped events\' reasons, AfterFailure and an OutputsLeftOpen warning', () => {
    const t = target('web-1', 'Failed', ['Skipped', 'Succeeded']);
    t.lifecycleEvents[0] = ev('BeforeBlockTraffic', 'Skipped', { message: 'BeforeBlockTraffic runs only when the deployment group has traffic control' });
    t.lifecycleEvents[1] = ev('ApplicationStart', 'Succeeded', { diagnostics: { errorCode: 'OutputsLeftOpen', message: 'OutputsLeftOpen: start.sh exited but left STDOUT open' } });
    t.lifecycleEvents.push(ev('AfterFailure', 'Succeeded'));
    const text = formatStatus(deployment('Failed', [t]));
    assert.match(text, /BeforeBlockTraffic\s+Skipped\s+BeforeBlockTraffic runs only when/);
    assert.match(text, /ApplicationStart\s+Succeeded\s+.*warning OutputsLeftOpen/);
    assert.match(text, /AfterFailure\s+Succeeded/);
    assert.match(text, /^warning: web-1 \(i-WEB1XXXX\) ApplicationStart: OutputsLeftOpen: /m);
  });

  it('says what the rollout waits for: approval and who may give it, pause, bake, agents', () => {
    const view = deployment('InProgress', [target('web-1', 'WaitingForAgent'), target('web-2', 'WaitingForAgent')]);
    view.overview.WaitingForAgent = 2;
    view.rollout = { step: 1, steps: 2, paused: true, approval: 'Waiting', waitingFor: 'approval' };
    assert.equal(formatWaiting(view), 'waiting for approval: deckhand approve d-TESTDEPLOY1 (any admin token may approve); paused: deckhand resume d-TESTDEPLOY1; waiting for 2 agents to connect');
    assert.match(formatStatus(view), /hosts: 0 succeeded, 0 failed, 0 in progress, 2 waiting for their agent, 0 pending, 0 skipped/);
  });

  it('keeps only failed hosts, or one host by name or id', () => {
    const view = deployment('Failed', [target('web-1', 'Failed'), target('web-2', 'Succeeded')]);
    assert.deepEqual(filterTargets(view, { failedOnly: true }).targets.map((t) => t.hostname), ['web-1']);
    assert.deepEqual(filterTargets(view, { host: 'web-2' }).targets.map((t) => t.hostname), ['web-2']);
    assert.deepEqual(filterTargets(view, { host: 'i-WEB1XXXX' }).targets.map((t) => t.hostname), ['web-1']);
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
