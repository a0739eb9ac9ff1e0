/**
 * What the agent does at start with work an earlier run left behind. A deployment still
 * 'running' was interrupted: whatever event was running has an unknown outcome, so it is failed
 * (FailedAfterRestart), never re-run.
 */
import type { Clock } from '../../../common/src/clock.ts';
import type { Journal } from '../journal/journal.ts';

/** Message of an event that was running when the agent stopped. */
export const FAILED_AFTER_RESTART_MESSAGE = 'the agent restarted while this event was running';

/** Fails every interrupted deployment (journal + outbox); returns their ids. */
export function failInterruptedDeployments(journal: Journal, clock: Clock): string[] {
  const failed: string[] = [];
  for (const deployment of journal.runningDeployments()) {
    const { commandId, deploymentId } = deployment;
    const running = journal.events(deploymentId).filter((e) => e.status === 'InProgress');
    for (const event of running) {
      journal.finishEvent(
        { commandId, deploymentId, event: event.event },
        { status: 'Failed', errorCode: 'FailedAfterRestart', message: FAILED_AFTER_RESTART_MESSAGE },
        clock.now(),
      );
    }
    journal.finishDeployment(
      {
        commandId,
        deploymentId,
        status: 'Failed',
        errorCode: 'FailedAfterRestart',
        // Between two events nothing was running, but the deployment still cannot go on.
        message: running.length > 0 ? FAILED_AFTER_RESTART_MESSAGE : 'the agent restarted during this deployment',
      },
      clock.now(),
    );
    failed.push(deploymentId);
  }
  return failed;
}

/** Commands journaled (and acked) but not started before the agent stopped, in arrival order. */
export function unstartedCommandIds(journal: Journal): string[] {
  return journal.commandsInState('received').map((c) => c.commandId);
}
