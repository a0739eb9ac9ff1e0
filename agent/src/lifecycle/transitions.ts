/**
 * The per-host deployment state machine: which lifecycle event runs after which, and where a
 * failure leads. The table is built from the deployment's event order: CodeDeploy's default
 * order ({@link AGENT_EVENT_ORDER}), or the order a local run was given with `--events`. The
 * runner (deployment.ts) only follows the table.
 */
import { AGENT_EVENT_ORDER } from '../../../protocol/src/lifecycle-events.ts';

/** A lifecycle event's name: one of CodeDeploy's, or a custom event a local run names. */
export type EventName = string;

/**
 * Where one host's part in a deployment stands.
 * - `Pending`: the command is journaled; nothing has run.
 * - an event name: that event is running (journaled InProgress).
 * - `Succeeded`: every event succeeded or was skipped.
 * - `Failed`: an event failed (or the deployment was stopped); no later event runs.
 */
export type DeploymentState = 'Pending' | EventName | 'Succeeded' | 'Failed';

/** How the current event ended, as far as the state machine cares. */
export type StepResult = 'Succeeded' | 'Skipped' | 'Failed';

/** One row of the table: the next state by how the current one ended. */
export interface Transition {
  onSuccess: DeploymentState;
  onFailure: DeploymentState;
}

/** The transition table: the next state after each active state (Pending and every event). */
export type TransitionTable = ReadonlyMap<DeploymentState, Transition>;

/** The names of the states that are not events; no event may be called so. */
export const STATE_NAMES: ReadonlySet<string> = new Set(['Pending', 'Succeeded', 'Failed']);

/**
 * The table that runs `order` one event after the other, any failure leading to Failed.
 * @throws Error when the order is empty, repeats an event or uses a state's name.
 */
export function transitionTable(order: readonly EventName[]): TransitionTable {
  if (order.length === 0) throw new Error('a deployment runs at least one event');
  const clash = order.find((e, i) => STATE_NAMES.has(e) || order.indexOf(e) !== i);
  if (clash !== undefined) throw new Error(`event ${clash} is named twice or is the name of a state`);
  const table = new Map<DeploymentState, Transition>();
  ['Pending', ...order].forEach((state, i) => table.set(state, { onSuccess: order[i] ?? 'Succeeded', onFailure: 'Failed' }));
  return table;
}

/** The table of every deployment the coordinator sends, and of local runs without --events. */
export const DEFAULT_TRANSITIONS: TransitionTable = transitionTable(AGENT_EVENT_ORDER);

/** True for the terminal states. */
export function isTerminal(state: DeploymentState): state is 'Succeeded' | 'Failed' {
  return state === 'Succeeded' || state === 'Failed';
}

/** True while a lifecycle event is the current state. */
export function isEventState(state: DeploymentState): boolean {
  return !STATE_NAMES.has(state);
}

/**
 * The state after `state` ended with `result` (Skipped counts as success).
 * @throws Error for a state the table has no way out of (a terminal one, or an event not in it).
 */
export function nextState(table: TransitionTable, state: DeploymentState, result: StepResult): DeploymentState {
  const row = table.get(state);
  if (row === undefined) throw new Error(`no transition from ${state}`);
  return result === 'Failed' ? row.onFailure : row.onSuccess;
}
