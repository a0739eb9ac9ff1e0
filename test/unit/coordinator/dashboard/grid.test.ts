import assert from 'node:assert/strict';
import { decodeCell, type DeploymentSummary } from '../../../../protocol/src/index.ts';
import { buildGrid, changedHosts, rowKeys } from '../../../../coordinator/src/dashboard/grid.ts';
import type { EventCellRecord, TargetRecord } from '../../../../coordinator/src/store/deployments/views.ts';

const summary = { deploymentId: 'd-AAAAAAAAAA', status: 'InProgress' } as DeploymentSummary;
const target = (id: string, extra: Partial<TargetRecord> = {}): TargetRecord => ({ instanceId: id, hostname: `host-${id}`, status: 'InProgress', step: 1, segment: null, ...extra });
const event = (instanceId: string, name: string, extra: Partial<EventCellRecord> = {}): EventCellRecord => ({ instanceId, event: name, status: 'Succeeded', ...extra });

describe('buildGrid', () => {
  it('orders columns as the agent runs events, whatever order the store gives them', () => {
    const grid = buildGrid(summary, [target('i-1')], [event('i-1', 'ValidateService'), event('i-1', 'DownloadBundle'), event('i-1', 'AfterFailure'), event('i-1', 'Install')]);
    assert.deepEqual(grid.events, ['DownloadBundle', 'Install', 'ValidateService', 'AfterFailure']);
  });

  it('gives each cell its status, duration and error code, and null where a host has no such event', () => {
    const grid = buildGrid(summary, [target('i-1'), target('i-2', { batch: 2, errorCode: 'ScriptFailed', message: 'Install failed' })], [
      event('i-1', 'Install', { durationMs: 1250 }),
      event('i-2', 'Install', { status: 'Failed', errorCode: 'ScriptFailed', durationMs: 500 }),
      event('i-1', 'ValidateService', { status: 'InProgress' }),
    ]);
    assert.deepEqual(grid.hosts[0]?.cells, ['S:1250', 'I']);
    assert.deepEqual(grid.hosts[1], { id: 'i-2', hostname: 'host-i-2', status: 'InProgress', batch: 2, errorCode: 'ScriptFailed', message: 'Install failed', cells: ['F:500:ScriptFailed', null] });
    assert.deepEqual(decodeCell('F:500:ScriptFailed'), { status: 'Failed', durationMs: 500, errorCode: 'ScriptFailed' });
    assert.deepEqual(decodeCell('I'), { status: 'InProgress', durationMs: null, errorCode: null });
  });

  it('keeps a host without events, with empty cells', () => {
    const grid = buildGrid(summary, [target('i-1'), target('i-2', { status: 'Pending' })], [event('i-1', 'Install')]);
    assert.deepEqual(grid.hosts[1]?.cells, [null]);
    assert.equal(grid.hosts[1]?.status, 'Pending');
  });
});

describe('changedHosts', () => {
  it('returns only the hosts whose row changed', () => {
    const before = buildGrid(summary, [target('i-1'), target('i-2')], [event('i-1', 'Install', { status: 'InProgress' }), event('i-2', 'Install', { status: 'InProgress' })]);
    const after = buildGrid(summary, [target('i-1'), target('i-2')], [event('i-1', 'Install', { status: 'InProgress' }), event('i-2', 'Install')]);
    const { hosts } = changedHosts(rowKeys(before), after);
    assert.deepEqual(hosts.map((x) => x.id), ['i-2']);
    assert.deepEqual(changedHosts(rowKeys(after), after).hosts, []);
  });
});
