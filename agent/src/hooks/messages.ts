/**
 * Failure texts, word for word CodeDeploy's where it has one (users grep for them), in the
 * same style where it has none.
 */

const at = (loc: string): string => `Script at specified location: ${loc}`;
const who = (loc: string, runas: string | undefined): string =>
  runas === undefined ? at(loc) : `${at(loc)} run as user ${runas}`;

/** The texts the runner reports. */
export const hookMessages = {
  missing: (absPath: string) => `Script does not exist at specified location: ${absPath}`,
  outside: (loc: string, resolved: string, archiveDir: string) =>
    `${at(loc)} resolves to ${resolved}, outside the revision (${archiveDir}): the agent runs only scripts inside the revision`,
  notExecutable: (loc: string) => `${at(loc)} is not executable.  Trying to make it executable.`,
  chmodFailed: (loc: string) => `Unable to set script at specified location: ${loc} as executable`,
  timedOut: (loc: string, seconds: number) => `${at(loc)} failed to complete in ${seconds} seconds`,
  eventTimedOut: (loc: string, totalSeconds: number) =>
    `${at(loc)} failed to complete within the lifecycle event's total of ${totalSeconds} seconds (the sum of its scripts' timeouts)`,
  exitCode: (loc: string, runas: string | undefined, code: number) =>
    `${who(loc, runas)} failed with exit code ${code}`,
  signal: (loc: string, runas: string | undefined, signal: string) =>
    `${who(loc, runas)} failed with signal ${signal}`,
  spawnError: (loc: string, runas: string | undefined, err: Error) =>
    `${who(loc, runas)} failed with error ${err.name} with message ${err.message}`,
  runasUnusable: (loc: string, runas: string | undefined, reason: string) => `${who(loc, runas)} failed: ${reason}`,
  aborted: (loc: string) => `${at(loc)} was stopped because the lifecycle event was aborted`,
  abortedBefore: (loc: string) => `${at(loc)} did not run because the lifecycle event was aborted`,
  outputsLeftOpen: (loc: string, streams: string[], files: string[]) =>
    `OutputsLeftOpen: ${at(loc)} exited but left ${streams.join(' and ')} open (a background process ` +
    `still holds it; redirect a daemon's output to /dev/null); its later output goes to ${files.join(' and ')}, not scripts.log`,
  detached: (loc: string) => `${at(loc)} was left running because the agent stopped; the next agent collects its outcome`,
  lost: (loc: string) =>
    `${at(loc)} was running when the agent restarted, and its outcome cannot be known: its process is gone and ` +
    `it left no exit status (the host lost power or the process was killed with its wrapper)`,
  retried: (loc: string) =>
    `${at(loc)} was running when the agent restarted and its outcome cannot be known; it runs again (retryOnRestart)`,
  rebootRequested: (loc: string, code: number) => `${at(loc)} exited with ${code} to ask for a reboot`,
};
