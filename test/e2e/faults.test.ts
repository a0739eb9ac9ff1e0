import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatReport } from '../faults/report.ts';
import { runSuite, type SuiteResult } from '../faults/suite.ts';
import { postgresMissing } from '../support/postgres.ts';
import { skipForMissing } from '../support/requirements.ts';

/**
 * The bounded form of the fault suite (npm run faults is the full one): a few seeded agent
 * kills (one at least inside Install), coordinator kills and connection faults, a full
 * deployment disk, a full agent root, a corrupt journal, a restored coordinator store and a
 * restored agent journal, a coordinator store whose WAL was cut short and one with a damaged
 * page, each run checked against every invariant.
 */
describe('the fault suite, bounded (real coordinator and agents under kill -9, link faults, full disks, corrupt journal, state rolled back, damaged coordinator store)', function () {
  // About 170 s on a busy 2-core machine.
  this.timeout(300_000);
  let result: SuiteResult;

  before(async function () {
    result = await runSuite({
      seed: 7,
      outDir: path.join(tmpdir(), 'dh-faults-e2e'),
      quotas: { agentKills: 4, installKills: 1, coordinatorKills: 2, connectionFaults: 4, stateRollbacks: 3 },
      groups: 2,
      hostsPerGroup: 2,
      coordinatorGapMs: [2000, 3500],
      diskFullRuns: 1,
      agentDiskFullRuns: 1,
      corruptJournalRuns: 1,
      stateRollbackRuns: 2,
      storeRuns: 2,
    });
  });

  it('injects every kind of fault it was asked for', function () {
    const t = result.totals;
    // Two rollback runs, and the store run whose WAL is cut short (the other damages a page).
    assert.ok(t.agentKills >= 4 && t.installKills >= 1 && t.coordinatorKills >= 2 && t.connectionFaults >= 4 && t.stateRollbacks === 3, JSON.stringify(t));
  });

  it('keeps every invariant in every run', function () {
    const violations = result.runs.flatMap((r) => r.violations.map((v) => ({ run: r.runId, seed: r.seed, ...v })));
    assert.deepEqual(violations, [], formatReport(result));
  });
});

/**
 * The bounded multi-coordinator form (npm run faults -- --nodes 3 is the full one): three
 * coordinators on one PostgreSQL store, agents spread over them, the coordinator driving a
 * running deployment killed with -9 a few times, plus agent kills and link faults.
 */
describe('the fault suite with three coordinators on PostgreSQL, bounded (the driving coordinator under kill -9)', function () {
  this.timeout(240_000);
  let result: SuiteResult;

  before(async function () {
    const missing = postgresMissing();
    if (missing) skipForMissing(this, missing);
    result = await runSuite({
      seed: 9,
      outDir: path.join(tmpdir(), 'dh-faults-cluster-e2e'),
      nodes: 3,
      quotas: { agentKills: 3, installKills: 0, coordinatorKills: 3, connectionFaults: 2, stateRollbacks: 0 },
      groups: 2,
      hostsPerGroup: 2,
      coordinatorGapMs: [2000, 3500],
      diskFullRuns: 0,
      agentDiskFullRuns: 0,
      corruptJournalRuns: 0,
      stateRollbackRuns: 0,
      storeRuns: 0,
    });
  });

  it('kills the coordinator driving a running deployment, and injects the other faults', function () {
    assert.ok(result.driverKills >= 3 && result.totals.agentKills >= 3 && result.totals.connectionFaults >= 2, JSON.stringify({ drivers: result.driverKills, ...result.totals }));
  });

  it('keeps every invariant in every run: terminal states, no hook twice, no event lost, duplicated or invented', function () {
    const violations = result.runs.flatMap((r) => r.violations.map((v) => ({ run: r.runId, seed: r.seed, ...v })));
    assert.deepEqual(violations, [], formatReport(result));
  });
});
