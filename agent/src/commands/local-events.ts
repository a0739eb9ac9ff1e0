/**
 * The events a local run executes, as codedeploy-local decides them (deployer.rb, cli_validator.rb):
 * without --events, CodeDeploy's eleven in order; with it, the events in the order given, with
 * DownloadBundle and Install put in front when missing (and swapped if Install then comes first).
 * A list that runs an event of the new revision before the revision is there is refused before
 * anything runs, with codedeploy-local's message.
 */
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { AGENT_EVENT_ORDER } from '../../../protocol/src/lifecycle-events.ts';

/** Events whose scripts come from the last successful revision; they may come before DownloadBundle. */
const PREVIOUS_REVISION_EVENTS = ['BeforeBlockTraffic', 'AfterBlockTraffic', 'ApplicationStop'];

/** Events of the new revision that need it installed (BeforeInstall needs it only unpacked). */
const NEW_REVISION_EVENTS = ['AfterInstall', 'ApplicationStart', 'BeforeAllowTraffic', 'AfterAllowTraffic', 'ValidateService'];

const REQUIRED = ['DownloadBundle', 'Install'];

/**
 * The run order for `events` (the --events list, undefined when not given).
 * @throws DeckhandError VALIDATION_FAILED with codedeploy-local's message for a misordered list.
 */
export function localEventOrder(events: readonly string[] | undefined): string[] {
  if (events === undefined) return [...AGENT_EVENT_ORDER];
  checkOrder(events);
  const order = [...REQUIRED.filter((e) => !events.includes(e)), ...events];
  const download = order.indexOf('DownloadBundle');
  const install = order.indexOf('Install');
  if (install < download) [order[download], order[install]] = ['Install', 'DownloadBundle'];
  return order;
}

function checkOrder(events: readonly string[]): void {
  const given = events.join(',');
  if (events.includes('DownloadBundle') && comesBefore(events, [...NEW_REVISION_EVENTS, 'Install'], 'DownloadBundle')) {
    throw invalid(`The only events that can be specified before DownloadBundle are ${PREVIOUS_REVISION_EVENTS.join(',')}. Please fix the order of your specified events: ${given}`);
  }
  if (events.includes('Install') && comesBefore(events, NEW_REVISION_EVENTS, 'Install')) {
    const allowed = [...PREVIOUS_REVISION_EVENTS, 'DownloadBundle', 'BeforeInstall'];
    throw invalid(`The only events that can be specified before Install are ${allowed.join(',')}. Please fix the order of your specified events: ${given}`);
  }
}

/** True when one of `early` is listed before `anchor`. */
function comesBefore(events: readonly string[], early: readonly string[], anchor: string): boolean {
  return events.slice(0, events.indexOf(anchor)).some((e) => early.includes(e));
}

function invalid(message: string): DeckhandError {
  return new DeckhandError('VALIDATION_FAILED', message);
}
