import assert from 'node:assert/strict';
import { AGENT_EVENT_ORDER } from '../../../../protocol/src/index.ts';
import {
  DEFAULT_TRANSITIONS,
  isEventState,
  nextState,
  transitionTable,
  type DeploymentState,
  type TransitionTable,
} from '../../../../agent/src/lifecycle/transitions.ts';

function walk(table: TransitionTable): { seen: string[]; end: DeploymentState } {
  const seen: string[] = [];
  let state: DeploymentState = nextState(table, 'Pending', 'Succeeded');
  while (isEventState(state)) {
    seen.push(state);
    state = nextState(table, state, seen.length === 1 ? 'Skipped' : 'Succeeded');
  }
  return { seen, end: state };
}

describe('transitions', () => {
  it("walks CodeDeploy's eleven events in order, the traffic hooks around the in-place ones, when everything succeeds", () => {
    const { seen, end } = walk(DEFAULT_TRANSITIONS);
    assert.deepEqual(seen, [...AGENT_EVENT_ORDER]);
    assert.equal(seen[0], 'BeforeBlockTraffic');
    assert.equal(seen.at(-1), 'AfterAllowTraffic');
    assert.equal(end, 'Succeeded');
  });

  it('goes to Failed from any event that fails', () => {
    for (const event of AGENT_EVENT_ORDER) assert.equal(nextState(DEFAULT_TRANSITIONS, event, 'Failed'), 'Failed');
  });

  it('follows a given order, custom events included', () => {
    const { seen } = walk(transitionTable(['DownloadBundle', 'Install', 'MyCustomEvent', 'ApplicationStop']));
    assert.deepEqual(seen, ['DownloadBundle', 'Install', 'MyCustomEvent', 'ApplicationStop']);
  });

  it('refuses an order that repeats an event or names a state', () => {
    assert.throws(() => transitionTable(['Install', 'Install']), /Install/);
    assert.throws(() => transitionTable(['Succeeded']), /Succeeded/);
    assert.throws(() => transitionTable([]), /at least one/);
  });

  it('has no way out of an event that is not in the table', () => {
    assert.throws(() => nextState(transitionTable(['Install']), 'BeforeInstall', 'Succeeded'), /BeforeInstall/);
  });
});
