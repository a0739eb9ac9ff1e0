import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { checkRequest, formatReplay } from '../../../../cli/src/commands/checks.ts';
import { analysisOptions, configRequest, parseMaxFailures } from '../../../../cli/src/commands/configs.ts';
import { parseDeployArgs } from '../../../../cli/src/commands/deploy.ts';
import { formatHealth } from '../../../../cli/src/format/health.ts';
import { CONNECTION_OPTIONS } from '../../../../cli/src/args.ts';
import type { DeploymentView } from '../../../../protocol/src/index.ts';

/** Parses flags the way `checks` and `configs` do (every option a string, booleans where declared). */
function flags(argv: string[], booleans: string[] = []): Record<string, unknown> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { ...CONNECTION_OPTIONS };
  for (const a of argv) if (a.startsWith('--')) options[a.slice(2)] ??= { type: booleans.includes(a.slice(2)) ? 'boolean' : 'string', ...(a === '--header' ? { multiple: true } : {}) };
  return parseArgs({ args: argv, options, allowPositionals: true }).values;
}

describe('health commands', () => {
  it('checks create builds a prometheus check and refuses flags of another type', () => {
    const req = checkRequest(flags(['--name', 'err', '--type', 'prometheus', '--address', 'http://p:9090', '--query', 'up', '--condition', 'result == 1', '--timeout', '5s']) as never);
    assert.deepEqual(req, { name: 'err', type: 'prometheus', address: 'http://p:9090', query: 'up', condition: 'result == 1', timeoutSeconds: 5 });
    assert.throws(() => checkRequest(flags(['--name', 'x', '--type', 'http', '--url', 'http://a', '--query', 'up']) as never), /--query does not apply to a http check/);
    assert.throws(() => checkRequest(flags(['--name', 'x', '--type', 'ftp']) as never), /--type must be http, prometheus, command or webhook/);
  });

  it('configs create takes an analysis and a failure threshold', () => {
    const v = flags(['--name', 'Canary', '--batches', '1,100%', '--analysis', 'err,lat', '--interval', '30s', '--count', '4', '--dry-run', 'lat', '--baseline', '--pass', '90', '--max-failures', '10%'], ['baseline']);
    const req = configRequest(v as never);
    assert.deepEqual(req.analysis, { checks: ['err', 'lat'], intervalSeconds: 30, count: 4, dryRun: ['lat'], baseline: { pass: 90 } });
    assert.equal(req.maxFailures, '10%');
    assert.throws(() => analysisOptions(flags(['--count', '3']) as never), /--count needs --analysis/);
    assert.throws(() => parseMaxFailures('lots'), /--max-failures expects/);
  });

  it('deploy takes --confirm and --no-alarms, and --retry-failed with only its own flags', () => {
    const args = parseDeployArgs(['--application', 'a', '--group', 'g', '--revision', 'r-ABCDEFGH', '--confirm', '--no-alarms']);
    assert.ok(args !== 'help');
    assert.equal(args.req.confirmLargeBlastRadius, true);
    assert.deepEqual(args.req.overrideAlarmConfiguration, { enabled: false, ignorePollAlarmFailure: false, alarms: [] });
    const retry = parseDeployArgs(['--retry-failed', 'd-ABCDEFGH', '--wait', '--confirm']);
    assert.ok(retry !== 'help');
    assert.equal(retry.retryOf, 'd-ABCDEFGH');
    assert.throws(() => parseDeployArgs(['--retry-failed', 'd-ABCDEFGH', '--revision', 'r-X']), /--revision does not apply/);
  });

  it('status lists each check\'s results over time, and a replay says what it would have decided', () => {
    const view = {
      health: [
        { at: '2025-01-01T00:00:10.000Z', check: 'err', purpose: 'alarm', verdict: 'Successful', message: 'result 0.001 < 0.01' },
        { at: '2025-01-01T00:00:40.000Z', check: 'err', purpose: 'analysis', step: 1, verdict: 'Failed', message: 'result 0.2 is not < 0.01' },
      ],
    } as unknown as DeploymentView;
    const text = formatHealth(view).join('\n');
    assert.match(text, /health checks:\n {2}AT +CHECK +FOR +VERDICT +DETAIL/);
    assert.match(text, /err +analysis, batch 1 +Failed +result 0\.2 is not < 0\.01/);
    const replay = formatReplay({ check: 'err', results: [{ at: 't1', verdict: 'Successful', message: 'ok' }, { at: 't2', verdict: 'Failed', message: 'bad' }], counts: { Successful: 1, Failed: 1, Inconclusive: 0, Error: 0 } });
    assert.match(replay, /check err would have failed 1 time\(s\) \(1 Successful, 1 Failed\)/);
  });
});
