/**
 * The per-host deployment state machine: which lifecycle event runs after which, and where a
 * failure leads. The runner (deployment.ts) only follows this table.
 */
import type { IN_PLACE_EVENTS } from '../../../protocol/src/index.ts';

/** A lifecycle event of an in-place deployment. */
export type InPlaceEvent = (typeof IN_PLACE_EVENTS)[number];

/**
 * Where one host's part in a deployment stands.
 * - `Pending`: the command is journaled; nothing has run.
 * - an event name: that event is running (journaled InProgress).
 * - `Succeeded`: every event succeeded or was skipped.
 * - `Failed`: an event failed (or the deployment was stopped); no later event runs.
 */
export type DeploymentState = 'Pending' | InPlaceEvent | 'Succeeded' | 'Failed';

/** States with a way out. */
export type ActiveState = Exclude<DeploymentState, 'Succeeded' | 'Failed'>;

/** How the current step ended, as far as the state machine cares. */
export type StepResult = 'Succeeded' | 'Skipped' | 'Failed';

/** The transition table: the next state after each active state, by how it ended. */
export const TRANSITIONS: Readonly<Record<ActiveState, { onSuccess: DeploymentState; onFailure: DeploymentState }>> = {
  Pending: { onSuccess: 'ApplicationStop', onFailure: 'Failed' },
  ApplicationStop: { onSuccess: 'DownloadBundle', onFailure: 'Failed' },
  DownloadBundle: { onSuccess: 'BeforeInstall', onFailure: 'Failed' },
  BeforeInstall: { onSuccess: 'Install', onFailure: 'Failed' },
  Install: { onSuccess: 'AfterInstall', onFailure: 'Failed' },
  AfterInstall: { onSuccess: 'ApplicationStart', onFailure: 'Failed' },
  ApplicationStart: { onSuccess: 'ValidateService', onFailure: 'Failed' },
  ValidateService: { onSuccess: 'Succeeded', onFailure: 'Failed' },
};

/** True for the terminal states. */
export function isTerminal(state: DeploymentState): state is 'Succeeded' | 'Failed' {
  return state === 'Succeeded' || state === 'Failed';
}

/** True while a lifecycle event is the current state. */
export function isEventState(state: DeploymentState): state is InPlaceEvent {
  return state !== 'Pending' && !isTerminal(state);
}

/** The state after `state` ended with `result` (Skipped counts as success). */
export function nextState(state: ActiveState, result: StepResult): DeploymentState {
  const row = TRANSITIONS[state];
  return result === 'Failed' ? row.onFailure : row.onSuccess;
}
