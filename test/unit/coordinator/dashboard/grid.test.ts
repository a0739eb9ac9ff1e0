import assert from 'node:assert/strict';
import { AGENT_EVENT_ORDER, decodeCell, type DeploymentSummary } from '../../../../protocol/src/index.ts';
import { buildGrid, changedHosts, rowKeys, type GridPageFacts } from '../../../../coordinator/src/dashboard/grid.ts';
import type { EventCellRecord, TargetRecord } from '../../../../coordinator/src/store/deployments/views.ts';

const summary = { deploymentId: 'd-AAAAAAAAAA', status: 'InProgress' } as DeploymentSummary;
const target = (id: string, extra: Partial<TargetRecord> = {}): TargetRecord => ({ instanceId: id, hostname: `host-${id}`, status: 'InProgress', step: 1, segment: null, ...extra });
const facts: GridPageFacts = { counts: {}, status: null, shown: 0, page: 1, pages: 1, pageSize: 100, grouped: false };
const event = (instanceId: string, name: string, extra: Partial<EventCellRecord> = {}): EventCellRecord => ({ instanceId, event: name, status: 'Succeeded', ...extra });

describe('buildGrid', () => {
  it('has a column for every event an agent runs, in its order, from the start, and AfterFailure once a host has it', () => {
    assert.deepEqual(buildGrid(summary, [target('i-1')], [], facts).events, [...AGENT_EVENT_ORDER]);
    const grid = buildGrid(summary, [target('i-1')], [event('i-1', 'ValidateService'), event('i-1', 'AfterFailure'), event('i-1', 'Install')], facts);
    assert.deepEqual(grid.events, [...AGENT_EVENT_ORDER, 'AfterFailure']);
  });

  it('gives each cell its status, duration and error code, and null where a host has no such event', () => {
    const grid = buildGrid(summary, [target('i-1'), target('i-2', { batch: 2, errorCode: 'ScriptFailed', message: 'Install failed' })], [
      event('i-1', 'Install', { durationMs: 1250 }),
      event('i-2', 'Install', { status: 'Failed', errorCode: 'ScriptFailed', durationMs: 500 }),
      event('i-1', 'ValidateService', { status: 'InProgress' }),
    ], facts);
    const at = (name: string): number => grid.events.indexOf(name);
    assert.equal(grid.hosts[0]?.cells[at('Install')], 'S:1250');
    assert.equal(grid.hosts[0]?.cells[at('ValidateService')], 'I');
    assert.equal(grid.hosts[0]?.cells[at('BeforeInstall')], null);
    const { cells, ...rest } = grid.hosts[1]!;
    assert.deepEqual(rest, { id: 'i-2', hostname: 'host-i-2', status: 'InProgress', batch: 2, errorCode: 'ScriptFailed', message: 'Install failed' });
    assert.equal(cells[at('Install')], 'F:500:ScriptFailed');
    assert.equal(cells.filter((c) => c !== null).length, 1);
    assert.deepEqual(decodeCell('F:500:ScriptFailed'), { status: 'Failed', durationMs: 500, errorCode: 'ScriptFailed' });
    assert.deepEqual(decodeCell('I'), { status: 'InProgress', durationMs: null, errorCode: null });
  });

  it('keeps a host without events, with empty cells', () => {
    const grid = buildGrid(summary, [target('i-1'), target('i-2', { status: 'Pending' })], [event('i-1', 'Install')], facts);
    assert.ok(grid.hosts[1]?.cells.every((c) => c === null));
    assert.equal(grid.hosts[1]?.status, 'Pending');
  });
});

describe('changedHosts', () => {
  it('returns only the hosts whose row changed', () => {
    const before = buildGrid(summary, [target('i-1'), target('i-2')], [event('i-1', 'Install', { status: 'InProgress' }), event('i-2', 'Install', { status: 'InProgress' })], facts);
    const after = buildGrid(summary, [target('i-1'), target('i-2')], [event('i-1', 'Install', { status: 'InProgress' }), event('i-2', 'Install')], facts);
    const { hosts } = changedHosts(rowKeys(before), after);
    assert.deepEqual(hosts.map((x) => x.id), ['i-2']);
    assert.deepEqual(changedHosts(rowKeys(after), after).hosts, []);
  });
});
