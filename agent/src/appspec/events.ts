/**
 * Which event names an appspec's hooks may use, and what to say about the others. CodeDeploy's
 * parser takes any name; codedeploy-local then refuses, at Install, an appspec naming an event it
 * does not run (AllPossibleLifecycleEvents), and an --events name the appspec does not define.
 * The service's deployments never run such an event. A misspelt name (`BeforInstall`) is
 * therefore a script that silently never runs: the checks here say so, naming the closest event.
 */
import { closest } from '../../../common/src/suggest.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { AGENT_EVENT_ORDER, RESERVED_EVENTS } from '../../../protocol/src/lifecycle-events.ts';
import type { AppSpec } from './types.ts';

/** Deckhand's own extension event (lifecycle/after-failure.ts): known, though CodeDeploy never runs it. */
export const AFTER_FAILURE_EVENT = 'AfterFailure';

/** Every event name Deckhand knows: CodeDeploy's (reserved ones included) and AfterFailure. */
const KNOWN_EVENTS: readonly string[] = [...new Set([...AGENT_EVENT_ORDER, ...RESERVED_EVENTS, AFTER_FAILURE_EVENT])];

/** True when `name` is an event Deckhand runs or knows by name. */
export function isKnownEvent(name: string): boolean {
  return KNOWN_EVENTS.includes(name);
}

/** The appspec's hook names that are neither known events nor in `alsoRun`, in appspec order. */
export function unknownHookEvents(spec: AppSpec, alsoRun: readonly string[] = []): string[] {
  return Object.keys(spec.hooks).filter((name) => !isKnownEvent(name) && !alsoRun.includes(name));
}

/** True for the events of CodeDeploy's default order. */
function isDefaultEvent(name: string): boolean {
  return (AGENT_EVENT_ORDER as readonly string[]).includes(name);
}

/** The known event closest to `name` (case and a few typing errors apart), or undefined. */
export function closestEvent(name: string): string | undefined {
  return closest(name, KNOWN_EVENTS);
}

/** `Foo is not an event ... (did you mean X?)`, the warning for one unknown hook name. */
export function unknownEventWarning(name: string): string {
  const closest = closestEvent(name);
  const hint = closest === undefined ? '' : ` (did you mean ${closest}?)`;
  return `${name} is not a lifecycle event${hint}: its scripts run only in a local run whose --events names it`;
}

/**
 * codedeploy-local's check at Install, for a run of `runOrder`: every hook the appspec names is a
 * default event or one of the run's, and every custom event of the run is defined in the appspec.
 * @throws DeckhandError APPSPEC_INVALID with CodeDeploy's message (and a hint after it).
 */
export function checkRunEvents(spec: AppSpec, fileName: string, runOrder: readonly string[]): void {
  const unknown = unknownHookEvents(spec, runOrder);
  if (unknown.length > 0) {
    const hints = unknown.map((name) => [name, closestEvent(name)]).filter(([, c]) => c !== undefined);
    const hint = hints.length === 0 ? '' : ` Did you mean ${hints.map(([name, c]) => `${c} (for ${name})`).join(', ')}?`;
    // The list as Ruby prints an array, as in CodeDeploy's message.
    const listed = `[${unknown.map((name) => JSON.stringify(name)).join(', ')}]`;
    throw new DeckhandError('APPSPEC_INVALID', `${fileName} file contains unknown lifecycle events: ${listed}.${hint} To run a custom event, name it in --events.`);
  }
  const custom = runOrder.filter((name) => !isDefaultEvent(name) && !Object.hasOwn(spec.hooks, name));
  if (custom.length > 0) {
    throw new DeckhandError(
      'APPSPEC_INVALID',
      `You specified a lifecycle event which is not a default one and doesn't exist in your ${fileName} file: ${custom.join(',')}`,
    );
  }
}
