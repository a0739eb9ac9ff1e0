import assert from 'node:assert/strict';
import { decideBlueGreen, type BlueGreenSnapshot, type FleetHost } from '../../../../../coordinator/src/scheduler/policy/blue-green.ts';
import { splitFleets } from '../../../../../coordinator/src/scheduler/policy/blue-green-fleets.ts';

const NOW = new Date('2030-01-01T00:00:00.000Z');

function h(id: string, status: FleetHost['status'], ops: FleetHost['ops'] = {}): FleetHost {
  return { instanceId: id, hostname: id, status, ops };
}

function snapshot(over: Partial<BlueGreenSnapshot>): BlueGreenSnapshot {
  return { phase: 'switch', step: 1, steps: [{ percent: 100, intervalSeconds: 0 }], green: [], blue: [], terminationWaitSeconds: 60, ...over };
}

const ALL_OUT = { PrepareGreen: 'Succeeded' as const };

describe('decideBlueGreen', () => {
  it('takes every replacement host out of the balancer before installing anything', () => {
    const s = snapshot({ phase: 'prepare', green: [h('g1', 'Pending'), h('g2', 'Pending')] });
    assert.deepEqual(decideBlueGreen(s, NOW), { kind: 'ops', ops: [{ instanceId: 'g1', op: 'PrepareGreen' }, { instanceId: 'g2', op: 'PrepareGreen' }] });
    const done = snapshot({ phase: 'prepare', green: [h('g1', 'Pending', ALL_OUT), h('g2', 'Pending', ALL_OUT)] });
    assert.deepEqual(decideBlueGreen(done, NOW), { kind: 'enter', phase: 'install' });
  });

  it('fails without moving traffic when a replacement host cannot be taken out', () => {
    const s = snapshot({ phase: 'prepare', green: [{ ...h('g1', 'Pending', { PrepareGreen: 'Failed' }), opFailure: 'HAProxy backend web has no server g1' }] });
    const a = decideBlueGreen(s, NOW);
    assert.equal(a.kind, 'fail');
    assert.match(a.kind === 'fail' ? a.message : '', /has no server g1; traffic never moved/);
  });

  it('moves traffic all at once: every Ready replacement host in, then every original host out, then waits', () => {
    const green = [h('g1', 'Ready'), h('g2', 'Ready')];
    assert.deepEqual(decideBlueGreen(snapshot({ green, blue: [h('b1', 'Pending')] }), NOW), { kind: 'release', instanceIds: ['g1', 'g2'] });
    const moving = [h('g1', 'InProgress', { AllowTraffic: 'Running' }), h('g2', 'Succeeded', { AllowTraffic: 'Succeeded' })];
    assert.equal(decideBlueGreen(snapshot({ green: moving, blue: [h('b1', 'Pending')] }), NOW).kind, 'wait');
    const moved = [h('g1', 'Succeeded', { AllowTraffic: 'Succeeded' }), h('g2', 'Succeeded', { AllowTraffic: 'Succeeded' })];
    assert.deepEqual(decideBlueGreen(snapshot({ green: moved, blue: [h('b1', 'Pending')] }), NOW), { kind: 'ops', ops: [{ instanceId: 'b1', op: 'DrainBlue' }] });
    assert.deepEqual(decideBlueGreen(snapshot({ green: moved, blue: [h('b1', 'Pending', { DrainBlue: 'Succeeded' })] }), NOW), {
      kind: 'enter',
      phase: 'wait',
      until: '2030-01-01T00:01:00.000Z',
      watch: ['g1', 'g2'],
    });
  });

  it('moves a canary share first (rounded up), drains as many original hosts (rounded down), and analyses before the rest', () => {
    const steps = [{ percent: 25, intervalSeconds: 30 }, { percent: 100, intervalSeconds: 0 }];
    const green = [h('g1', 'Ready'), h('g2', 'Ready'), h('g3', 'Ready')];
    assert.deepEqual(decideBlueGreen(snapshot({ steps, green, blue: [h('b1', 'Pending'), h('b2', 'Pending'), h('b3', 'Pending')] }), NOW), { kind: 'release', instanceIds: ['g1'] });
    const canaryIn = [h('g1', 'Succeeded', { AllowTraffic: 'Succeeded' }), h('g2', 'Ready'), h('g3', 'Ready')];
    // 25 % of 3 original hosts is none: the canary adds capacity before any is taken out.
    assert.deepEqual(decideBlueGreen(snapshot({ steps, green: canaryIn, blue: [h('b1', 'Pending'), h('b2', 'Pending'), h('b3', 'Pending')] }), NOW), {
      kind: 'enter',
      phase: 'switch',
      step: 1,
      until: '2030-01-01T00:00:30.000Z',
      watch: ['g1'],
    });
    const waiting = snapshot({ steps, green: canaryIn, blue: [], until: '2030-01-01T00:00:30.000Z' });
    assert.equal(decideBlueGreen(waiting, NOW).kind, 'wait');
    assert.deepEqual(decideBlueGreen(waiting, new Date('2030-01-01T00:00:31.000Z')), { kind: 'enter', phase: 'switch', step: 2 });
  });

  it('moves traffic back when a replacement host fails after it got traffic', () => {
    const green = [{ ...h('g1', 'Failed', { AllowTraffic: 'Failed' }), opFailure: 'web-1 did not pass 3 health check(s)' }, h('g2', 'Succeeded', { AllowTraffic: 'Succeeded' })];
    const a = decideBlueGreen(snapshot({ green }), NOW);
    assert.equal(a.kind, 'rollback');
    assert.equal(a.kind === 'rollback' ? a.code : '', 'CUSTOMER_APPLICATION_UNHEALTHY');
  });

  it('rolls back by putting the drained original hosts back first, then taking the replacement hosts out', () => {
    const failure = { code: 'CUSTOMER_APPLICATION_UNHEALTHY' as const, message: 'g1 failed 3 health check(s) in a row' };
    const green = [h('g1', 'Succeeded', { AllowTraffic: 'Succeeded' }), h('g2', 'Ready')];
    const blue = [h('b1', 'Pending', { DrainBlue: 'Succeeded' }), h('b2', 'Pending')];
    assert.deepEqual(decideBlueGreen(snapshot({ phase: 'rollback', failure, green, blue }), NOW), { kind: 'ops', ops: [{ instanceId: 'b1', op: 'RestoreBlue' }] });
    const restored = [h('b1', 'Pending', { DrainBlue: 'Succeeded', RestoreBlue: 'Succeeded' }), h('b2', 'Pending')];
    assert.deepEqual(decideBlueGreen(snapshot({ phase: 'rollback', failure, green, blue: restored }), NOW), { kind: 'ops', ops: [{ instanceId: 'g1', op: 'DrainGreen' }] });
    const drained = [h('g1', 'Succeeded', { AllowTraffic: 'Succeeded', DrainGreen: 'Succeeded' }), h('g2', 'Ready')];
    const end = decideBlueGreen(snapshot({ phase: 'rollback', failure, green: drained, blue: restored }), NOW);
    assert.deepEqual(end, { kind: 'finish', status: 'Failed', code: 'CUSTOMER_APPLICATION_UNHEALTHY', message: 'g1 failed 3 health check(s) in a row; traffic moved back to the original hosts', held: ['g2'] });
  });

  it('leaves traffic on the replacement hosts when the original ones cannot take it back', () => {
    const failure = { code: 'CUSTOMER_APPLICATION_UNHEALTHY' as const, message: 'analysis failed' };
    const blue = [{ ...h('b1', 'Pending', { DrainBlue: 'Succeeded', RestoreBlue: 'Failed' }), opFailure: 'b1 did not pass' }];
    const a = decideBlueGreen(snapshot({ phase: 'rollback', failure, green: [h('g1', 'Succeeded', { AllowTraffic: 'Succeeded' })], blue }), NOW);
    assert.equal(a.kind, 'finish');
    assert.match(a.kind === 'finish' && a.status === 'Failed' ? a.message : '', /traffic could not move back .* so the replacement hosts keep serving/);
  });

  it('blocks the original hosts once the termination wait is over, and succeeds when they are done', () => {
    assert.equal(decideBlueGreen(snapshot({ phase: 'wait', until: '2030-01-01T00:01:00.000Z' }), NOW).kind, 'wait');
    assert.deepEqual(decideBlueGreen(snapshot({ phase: 'wait', until: '2029-12-31T23:59:00.000Z' }), NOW), { kind: 'dispatchBlue' });
    assert.equal(decideBlueGreen(snapshot({ phase: 'blue', blue: [h('b1', 'InProgress')] }), NOW).kind, 'wait');
    assert.deepEqual(decideBlueGreen(snapshot({ phase: 'blue', blue: [h('b1', 'Succeeded'), h('b2', 'Failed')] }), NOW), { kind: 'finish', status: 'Succeeded' });
  });
});

describe('splitFleets', () => {
  type Host = { hostname: string; fleet?: string };
  const hosts: Host[] = [{ hostname: 'a1', fleet: 'blue-x' }, { hostname: 'b1', fleet: 'green-y' }, { hostname: 'a2', fleet: 'blue-x' }];
  const tagOf = (host: Host, _key: string): string | undefined => host.fleet;

  it('takes the live fleet as blue, else the value that sorts first', () => {
    const first = splitFleets(hosts, 'fleet', undefined, tagOf);
    assert.ok(!('code' in first));
    assert.deepEqual([first.blueFleet, first.greenFleet, first.green.map((x) => x.hostname)], ['blue-x', 'green-y', ['b1']]);
    const swapped = splitFleets(hosts, 'fleet', 'green-y', tagOf);
    assert.ok(!('code' in swapped));
    assert.deepEqual(swapped.green.map((x) => x.hostname), ['a1', 'a2']);
  });

  it('names a host without the fleet tag, and fleets that are not two', () => {
    assert.match((splitFleets<Host>([...hosts, { hostname: 'c1' }], 'fleet', undefined, tagOf) as { message: string }).message, /host c1 has no tag fleet/);
    assert.match((splitFleets<Host>(hosts.slice(0, 1), 'fleet', undefined, tagOf) as { message: string }).message, /exactly two fleets by tag fleet; found fleet=blue-x/);
  });
});
