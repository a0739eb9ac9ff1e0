import assert from 'node:assert/strict';
import type { AgentEventBody } from '../../../../protocol/src/index.ts';
import type { AgentEventItem } from '../../../../coordinator/src/store/deployments/targets.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import { seed } from '../scheduler/seed.ts';
import { forEachStore, openTestStore, type TestStore } from './harness.ts';

const D = 'd-INTAKEINTA';
const AT = (s: number): string => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
const deadline = (seconds: number): string => `deadline+${seconds}`;

/** Three hosts of one deployment, dispatched with commands c-0, c-1, c-2. */
async function dispatched(t: TestStore): Promise<string[]> {
  const s = await seed(t, 3);
  await t.store.transaction(async (tx) => {
    await tx.deployments.insert(
      { deploymentId: D, applicationId: s.applicationId, deploymentGroupId: s.deploymentGroupId, revisionId: s.revisionId, deploymentConfigName: 'CodeDeployDefault.AllAtOnce', creator: 't', fileExistsBehavior: 'DISALLOW', ignoreApplicationStopFailures: false, parameters: {}, createdAt: AT(0) },
      'Created',
    );
    await tx.targets.insert(D, s.instanceIds);
    await tx.targets.markDispatched(D, s.instanceIds.map((instanceId, i) => ({ instanceId, commandId: `c-${i}` })), { at: AT(1), deadline: 'first', batch: 1 });
  });
  return s.instanceIds;
}

/** A burst touching every rule: starts and ends, messages kept or replaced, a failure, late and stray events. */
function burst(hosts: string[]): AgentEventItem[] {
  const ev = (host: number, seq: number, rest: Partial<AgentEventBody> & Pick<AgentEventBody, 'status'>): AgentEventItem => ({
    instanceId: hosts[host]!,
    event: { seq, commandId: `c-${host}`, deploymentId: D, at: AT(10 + seq), ...rest },
  });
  return [
    ev(0, 1, { lifecycleEvent: 'BeforeInstall', status: 'InProgress' }),
    ev(1, 1, { lifecycleEvent: 'BeforeInstall', status: 'Succeeded', message: 'ran without a start' }),
    ev(0, 2, { lifecycleEvent: 'BeforeInstall', status: 'InProgress', message: 'a script asked for a reboot' }),
    ev(0, 3, { lifecycleEvent: 'BeforeInstall', status: 'Succeeded', scriptName: 'scripts/a.sh', logTail: 'ok' }),
    ev(0, 4, { lifecycleEvent: 'Install', status: 'InProgress' }),
    ev(2, 1, { lifecycleEvent: 'DownloadBundle', status: 'Failed', errorCode: 'ScriptFailed', message: 'exit 1' }),
    ev(2, 2, { status: 'Failed', errorCode: 'ScriptFailed', message: 'the host failed' }),
    ev(2, 3, { lifecycleEvent: 'Install', status: 'InProgress' }),
    ev(1, 2, { lifecycleEvent: 'Install', status: 'Pending' }),
    ev(1, 3, { status: 'Succeeded' }),
    ev(1, 4, { status: 'Succeeded' }),
    { instanceId: hosts[0]!, event: { seq: 9, commandId: 'c-unknown', deploymentId: D, status: 'Succeeded', at: AT(30) } },
  ];
}

async function state(store: Store): Promise<unknown> {
  return { targets: await store.deploymentViews.targets(D), events: await store.deploymentViews.events(D) };
}

forEachStore('store: agent events in a burst', (current, kind) => {
  it('apply exactly as they do one by one', async () => {
    const one = current();
    const other = await openTestStore(kind);
    try {
      const items = burst(await dispatched(one));
      await dispatched(other);
      const together = await one.store.transaction((tx) => tx.targets.recordAgentEvents(items, deadline));
      const alone = await other.store.transaction(async (tx) => {
        const out = [];
        for (const i of items) out.push(await tx.targets.recordAgentEvent(i.instanceId, i.event, deadline));
        return out;
      });
      assert.deepEqual(together, alone);
      assert.deepEqual(await state(one.store), await state(other.store));
      assert.equal(together.filter((r) => r.kind === 'outcome').length, 2);
    } finally {
      await other.cleanup();
    }
  });

  it('acknowledge commands in a burst, saying which were unknown', async () => {
    const t = current();
    const hosts = await dispatched(t);
    const known = await t.store.transaction((tx) => tx.targets.acknowledgeCommands([{ instanceId: hosts[0]!, commandId: 'c-0' }, { instanceId: hosts[1]!, commandId: 'c-0' }, { instanceId: hosts[2]!, commandId: 'c-2' }]));
    assert.deepEqual(known, [true, false, true]);
    assert.deepEqual((await t.store.targets.unacked()).map((u) => u.commandId), []);
  });

  it('read and move several hosts cursors at once', async () => {
    const t = current();
    const hosts = await dispatched(t);
    await t.store.transaction((tx) => tx.instances.setLastAppliedSeqs(new Map([[hosts[0]!, 5], [hosts[2]!, 7]])));
    const cursors = await t.store.transaction((tx) => tx.instances.lastAppliedSeqs([...hosts, 'i-UNKNOWN']));
    assert.deepEqual([...cursors], [[hosts[0], 5], [hosts[1], 0], [hosts[2], 7], ['i-UNKNOWN', 0]]);
  });
});
