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
