/**
 * Bounds on what an appspec may list. The text is capped (1 MiB, parse.ts) and so are YAML
 * aliases, but within a megabyte a list can still hold tens of thousands of entries, each of which
 * costs the agent real work: a `files` entry copies a tree, a `permissions` entry walks one, a
 * script is a process with its own timeout. Real appspecs list a handful; the limits sit far above
 * any honest use and far below what would tie a host up. CodeDeploy sets none; an appspec past one
 * is refused (APPSPEC_INVALID) naming the list and its length, before its entries are looked at.
 */

/** Entries of `files`. */
export const MAX_FILES = 1000;
/** Entries of `permissions`. */
export const MAX_PERMISSIONS = 1000;
/** Event names under `hooks`: CodeDeploy's thirteen, AfterFailure and custom events. */
export const MAX_HOOK_EVENTS = 100;
/** Scripts of one event. */
export const MAX_SCRIPTS_PER_EVENT = 100;
/** Items of a list inside a permissions entry (`except`, `acls`, `type`). */
export const MAX_LIST_ITEMS = 1000;
/** Problems listed for an invalid appspec; the rest are counted, so the error stays readable and small. */
export const MAX_PROBLEMS = 100;

/** The message for a list longer than its limit. */
export function tooMany(what: string, count: number, max: number): string {
  return `${what} has ${count} entries, more than the limit of ${max}`;
}
