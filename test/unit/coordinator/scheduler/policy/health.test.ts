import assert from 'node:assert/strict';
import { AnalysisOptions, type CheckVerdict } from '../../../../../protocol/src/index.ts';
import { decideRollout, type RolloutSnapshot, type StepSnapshot } from '../../../../../coordinator/src/scheduler/policy/decide-rollout.ts';
import { judgeAlarms, judgeAnalysis, measurementsDue, type Measurement } from '../../../../../coordinator/src/scheduler/policy/health.ts';
import type { RunConfig } from '../../../../../coordinator/src/scheduler/policy/run-config.ts';
import { simulateRollout } from '../../../../../coordinator/src/scheduler/policy/simulate-rollout.ts';

const options = (over: Partial<AnalysisOptions> = {}): AnalysisOptions => AnalysisOptions.parse({ checks: ['errors'], count: 3, ...over });
const m = (verdict: CheckVerdict, check = 'errors', message = verdict.toLowerCase()): Measurement => ({ check, verdict, message });

describe('scheduler/policy/health', () => {
  describe('judgeAlarms', () => {
    it('stops on an alarm in alarm and names it with what it read', () => {
      const stop = judgeAlarms([{ name: 'errors', verdict: 'Failed', message: 'result 0.2 is not < 0.01' }, { name: 'latency', verdict: 'Successful', message: 'ok' }], false);
      assert.equal(stop?.message, 'The deployment was stopped because alarm errors (result 0.2 is not < 0.01) was in alarm.');
    });

    it('stops when an alarm cannot be read, unless ignorePollAlarmFailure', () => {
      const readings = [{ name: 'errors', verdict: 'Error' as const, message: 'connect ECONNREFUSED 127.0.0.1:9' }];
      assert.match(judgeAlarms(readings, false)?.message ?? '', /state of errors \(connect ECONNREFUSED 127\.0\.0\.1:9\) could not be read \(ignorePollAlarmFailure is false\)/);
      assert.equal(judgeAlarms(readings, true), undefined);
    });

    it('does not stop on no data (Inconclusive), as CloudWatch does not on INSUFFICIENT_DATA', () => {
      assert.equal(judgeAlarms([{ name: 'errors', verdict: 'Inconclusive', message: 'no data' }], false), undefined);
    });
  });

  describe('judgeAnalysis', () => {
    it('runs until every check has count measurements, then succeeds', () => {
      assert.deepEqual(judgeAnalysis(options(), [m('Successful'), m('Successful')]), { status: 'Running' });
      assert.equal(judgeAnalysis(options(), [m('Successful'), m('Successful'), m('Successful')]).status, 'Successful');
    });

    it('fails at once when Failed measurements exceed failureLimit', () => {
      const j = judgeAnalysis(options({ failureLimit: 1 }), [m('Failed'), m('Successful'), m('Failed', 'errors', 'result 0.3 is not < 0.01')]);
      assert.equal(j.status, 'Failed');
      assert.equal('message' in j && j.message, 'check errors: 2 of 3 measurements Failed (failureLimit 1); last: result 0.3 is not < 0.01');
      assert.equal(judgeAnalysis(options({ failureLimit: 1 }), [m('Failed')]).status, 'Running');
    });

    it('fails after more errors in a row than consecutiveErrorLimit (default 4), and a success resets the run', () => {
      const four = [m('Error'), m('Error'), m('Error'), m('Error')];
      assert.equal(judgeAnalysis(options({ count: 10 }), four).status, 'Running');
      assert.equal(judgeAnalysis(options({ count: 10 }), [...four, m('Error')]).status, 'Failed');
      assert.equal(judgeAnalysis(options({ count: 10 }), [...four, m('Successful'), m('Error')]).status, 'Running');
    });

    it('is Inconclusive past inconclusiveLimit, and Failed wins over Inconclusive', () => {
      assert.equal(judgeAnalysis(options(), [m('Inconclusive')]).status, 'Inconclusive');
      assert.equal(judgeAnalysis(options({ inconclusiveLimit: 1 }), [m('Inconclusive')]).status, 'Running');
      const two = options({ checks: ['errors', 'latency'] });
      assert.equal(judgeAnalysis(two, [m('Inconclusive', 'latency'), m('Failed', 'errors')]).status, 'Failed');
    });

    it('records dry-run checks without letting them decide, but waits for their measurements', () => {
      const o = options({ checks: ['errors', 'latency'], dryRun: ['latency'] });
      const three = (check: string, v: CheckVerdict): Measurement[] => [m(v, check), m(v, check), m(v, check)];
      assert.equal(judgeAnalysis(o, three('latency', 'Failed')).status, 'Running');
      assert.equal(judgeAnalysis(o, [...three('latency', 'Failed'), ...three('errors', 'Successful')]).status, 'Successful');
    });

    it('ignores measurements of checks it does not run', () => {
      assert.equal(judgeAnalysis(options(), [m('Failed', 'other')]).status, 'Running');
    });
  });

  it('counts the measurements due by the interval, up to count', () => {
    const o = { intervalSeconds: 10, count: 3 };
    assert.deepEqual([0, 9_999, 10_000, 25_000, 300_000].map((ms) => measurementsDue(o, ms)), [0, 0, 1, 2, 3]);
  });
});

describe('scheduler/policy/decide-rollout with health verdicts', () => {
  const step = (p: Partial<StepSnapshot> & { total: number }): StepSnapshot => ({ pending: 0, inFlight: 0, succeeded: 0, failed: 0, segment: null, ...p });
  const analysis = options({ intervalSeconds: 10 });
  const config: RunConfig = { rule: { type: 'HOST_COUNT', value: 0 }, rollout: { batches: [1, '100%'], analysis } };
  const snapshot = (over: Partial<RolloutSnapshot> = {}): RolloutSnapshot => ({
    kind: 'list',
    step: 2,
    steps: [step({ total: 1, succeeded: 1 }), step({ total: 4, pending: 2, inFlight: 2 })],
    gates: { paused: false, approval: 'NotRequired' },
    ...over,
  });

  it('aborts with ALARM_ACTIVE, Stopped, whatever else holds, when an alarm poll says stop', () => {
    const d = decideRollout(snapshot({ alarm: { message: 'alarm errors was in alarm' }, gates: { paused: true, approval: 'NotRequired' } }), config, new Date(0));
    assert.deepEqual(d, { action: 'abort', status: 'Stopped', code: 'ALARM_ACTIVE', message: 'alarm errors was in alarm', rollbackEvent: 'DEPLOYMENT_STOP_ON_ALARM' });
  });

  it('starts the analysis of a finished batch when it enters the next one, and waits for it', () => {
    const d = decideRollout(snapshot({ step: 1, steps: [step({ total: 1, succeeded: 1 }), step({ total: 4, pending: 4 })] }), config, new Date(0));
    assert.deepEqual(d, { action: 'wait', reason: 'analysis', enter: { step: 2, approval: 'NotRequired', analysisOf: 1 } });
  });

  it('fails with ANALYSIS_FAILED (rolled back as a failure) when the analysis failed', () => {
    const d = decideRollout(snapshot({ gates: { paused: false, approval: 'NotRequired', analysis: { step: 1, status: 'Failed', message: 'check errors: 1 of 1 measurements Failed' } } }), config, new Date(0));
    assert.equal(d.action, 'abort');
    assert.ok(d.action === 'abort');
    assert.equal(d.code, 'ANALYSIS_FAILED');
    assert.equal(d.status, 'Failed');
    assert.equal(d.rollbackEvent, 'DEPLOYMENT_FAILURE');
    assert.match(d.message, /the analysis of batch 1 failed: check errors: 1 of 1 measurements Failed/);
  });

  it('pauses once with the reason when the analysis is inconclusive', () => {
    const gates = { paused: false, approval: 'NotRequired' as const, analysis: { step: 1, status: 'Inconclusive' as const, message: 'no data' } };
    const d = decideRollout(snapshot({ gates }), config, new Date(0));
    assert.ok(d.action === 'pause');
    assert.match(d.reason, /analysis of batch 1 was inconclusive .*no data; resume to go on, or stop/);
    assert.deepEqual(decideRollout(snapshot({ gates: { ...gates, paused: true } }), config, new Date(0)), { action: 'wait', reason: 'pause' });
  });

  it('goes on once the analysis succeeded, or a person resumed or promoted it', () => {
    for (const status of ['Successful', 'Resumed', 'Promoted'] as const) {
      const d = decideRollout(snapshot({ steps: [step({ total: 1, succeeded: 1 }), step({ total: 4, pending: 4 })], gates: { paused: false, approval: 'NotRequired', analysis: { step: 1, status } } }), config, new Date(0));
      assert.deepEqual(d, { action: 'start', step: 2, count: 4 }, status);
    }
  });

  it('plans through the analysis as if every measurement passed', () => {
    const sim = simulateRollout({ kind: 'list', sizes: [1, 4], requireApproval: false }, config);
    assert.deepEqual(sim.waves, [{ step: 1, count: 1 }, { step: 2, count: 4 }]);
    assert.deepEqual(sim.end, { action: 'finish', status: 'Succeeded' });
  });
});

describe('scheduler/policy/decide-rollout with a failure threshold', () => {
  const one = (p: Partial<StepSnapshot> & { total: number }): StepSnapshot[] => [{ pending: 0, inFlight: 0, succeeded: 0, failed: 0, segment: null, ...p }];
  const allAtOnce = (rollout: RunConfig['rollout']): RunConfig => ({ rule: { type: 'HOST_COUNT', value: 0 }, rollout });
  const decide = (steps: StepSnapshot[], rollout: RunConfig['rollout']) =>
    decideRollout({ kind: 'rule', step: 1, steps, gates: { paused: false, approval: 'NotRequired' } }, allAtOnce(rollout), new Date(0));

  it('keeps failed plus in-flight hosts at most one past maxFailures', () => {
    assert.deepEqual(decide(one({ total: 100, pending: 100 }), { maxFailures: 2 }), { action: 'start', step: 1, count: 3 });
    assert.deepEqual(decide(one({ total: 100, pending: 97, inFlight: 2, failed: 1 }), { maxFailures: 2 }), { action: 'wait', reason: 'hosts in flight' });
    assert.deepEqual(decide(one({ total: 100, pending: 95, inFlight: 1, succeeded: 3, failed: 1 }), { maxFailures: 2 }), { action: 'start', step: 1, count: 1 });
  });

  it('takes a percentage of the hosts, rounded down', () => {
    assert.deepEqual(decide(one({ total: 25, pending: 25 }), { maxFailures: '10%' }), { action: 'start', step: 1, count: 3 });
  });

  it('runs one host at a time with requireAllSucceed and fails at the first failure', () => {
    assert.deepEqual(decide(one({ total: 5, pending: 5 }), { requireAllSucceed: true }), { action: 'start', step: 1, count: 1 });
    const d = decide(one({ total: 5, pending: 4, failed: 1 }), { requireAllSucceed: true });
    assert.deepEqual(d, { action: 'stop', code: 'HEALTH_CONSTRAINTS', message: 'The deployment failed because 1 of 5 instances failed, more than the 0 it tolerates (exceeded by 1).' });
  });

  it('waits for the hosts in flight once the threshold is crossed, then says by how much', () => {
    assert.deepEqual(decide(one({ total: 10, pending: 5, inFlight: 1, succeeded: 1, failed: 3 }), { maxFailures: 2 }), { action: 'wait', reason: 'hosts in flight' });
    const d = decide(one({ total: 10, succeeded: 7, failed: 3 }), { maxFailures: 2 });
    assert.deepEqual(d, { action: 'finish', status: 'Failed', code: 'HEALTH_CONSTRAINTS', message: 'The deployment failed because 3 of 10 instances failed, more than the 2 it tolerates (exceeded by 1).' });
  });

  it('succeeds with failures within the threshold, and lets a batch list go on past a failed batch', () => {
    assert.deepEqual(decide(one({ total: 10, succeeded: 8, failed: 2 }), { maxFailures: 2 }), { action: 'finish', status: 'Succeeded' });
    const steps: StepSnapshot[] = [
      { total: 2, pending: 0, inFlight: 0, succeeded: 1, failed: 1, segment: null },
      { total: 8, pending: 8, inFlight: 0, succeeded: 0, failed: 0, segment: null },
    ];
    const d = decideRollout({ kind: 'list', step: 1, steps, gates: { paused: false, approval: 'NotRequired' } }, allAtOnce({ batches: [2, '100%'], maxFailures: 2 }), new Date(0));
    assert.equal(d.action, 'start');
  });

  it('leaves CodeDeploy\'s minimum healthy hosts in charge too', () => {
    const d = decideRollout(
      { kind: 'rule', step: 1, steps: one({ total: 10, pending: 10 }), gates: { paused: false, approval: 'NotRequired' } },
      { rule: { type: 'HOST_COUNT', value: 9 }, rollout: { maxFailures: 5 } },
      new Date(0),
    );
    assert.deepEqual(d, { action: 'start', step: 1, count: 1 });
  });
});
