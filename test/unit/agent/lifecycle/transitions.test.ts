import assert from 'node:assert/strict';
import { IN_PLACE_EVENTS } from '../../../../protocol/src/index.ts';
import { isEventState, nextState, type DeploymentState } from '../../../../agent/src/lifecycle/transitions.ts';

describe('transitions', () => {
  it('walks the in-place events in CodeDeploy order when everything succeeds', () => {
    const seen: string[] = [];
    let state: DeploymentState = nextState('Pending', 'Succeeded');
    while (isEventState(state)) {
      seen.push(state);
      state = nextState(state, seen.length === 1 ? 'Skipped' : 'Succeeded');
    }
    assert.deepEqual(seen, [...IN_PLACE_EVENTS]);
    assert.equal(state, 'Succeeded');
  });

  it('goes to Failed from any event that fails', () => {
    for (const event of IN_PLACE_EVENTS) assert.equal(nextState(event, 'Failed'), 'Failed');
  });
});
