/**
 * The `hooks` section: event name → scripts, with CodeDeploy's defaults filled in.
 */
import { isReservedEvent } from '../../../protocol/src/lifecycle-events.ts';
import { MAX_HOOK_EVENTS, MAX_SCRIPTS_PER_EVENT, tooMany } from './limits.ts';
import { isRecord, scalarText, type KeyPath, type ProblemList } from './problems.ts';
import type { AppSpecOs, HookScript } from './types.ts';

/** CodeDeploy's default script timeout, in seconds. */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 3600;

/** Validates `hooks`; events whose value is null are dropped, as CodeDeploy does. */
export function parseHooks(raw: unknown, os: AppSpecOs, problems: ProblemList): Record<string, HookScript[]> {
  const hooks: Record<string, HookScript[]> = {};
  if (raw === null || raw === undefined) return hooks;
  if (!isRecord(raw)) {
    problems.add(['hooks'], 'hooks must be a mapping of event name to a list of scripts');
    return hooks;
  }
  const events = Object.keys(raw).length;
  if (events > MAX_HOOK_EVENTS) {
    problems.add(['hooks'], `hooks names ${events} events, more than the limit of ${MAX_HOOK_EVENTS}`);
    return hooks;
  }
  for (const [event, scripts] of Object.entries(raw)) {
    if (scripts === null || scripts === undefined) continue;
    const path = ['hooks', event];
    if (!Array.isArray(scripts)) {
      problems.add(path, `hooks.${event} must be a list of scripts, each with a location`);
      continue;
    }
    if (scripts.length > MAX_SCRIPTS_PER_EVENT) {
      problems.add(path, tooMany(`hooks.${event}`, scripts.length, MAX_SCRIPTS_PER_EVENT));
      continue;
    }
    if (isReservedEvent(event) && scripts.length > 0) {
      problems.add(path, `${event} is performed by the agent itself and cannot have scripts`);
      continue;
    }
    const parsed = scripts.map((s, i) => parseScript(s, [...path, i], os, problems));
    hooks[event] = parsed.filter((s): s is HookScript => s !== undefined);
  }
  return hooks;
}

function parseScript(raw: unknown, path: KeyPath, os: AppSpecOs, problems: ProblemList): HookScript | undefined {
  if (!isRecord(raw)) {
    problems.add(path, 'each script must be a mapping with a location');
    return undefined;
  }
  const location = scalarText(raw['location'])?.trim();
  if (location === undefined || location === '') {
    problems.add([...path, 'location'], 'the script has no location: give its path relative to the revision root');
  }
  const timeoutSeconds = parseTimeout(raw['timeout'], [...path, 'timeout'], problems);
  if (location === undefined || location === '' || timeoutSeconds === undefined) return undefined;
  const script: HookScript = { location, timeoutSeconds };
  const runas = scalarText(raw['runas'])?.trim();
  // runas is a Linux feature; the Windows agent ignores it.
  if (runas !== undefined && runas !== '' && os === 'linux') script.runas = runas;
  const sudo = raw['sudo'];
  if (sudo !== undefined && sudo !== null && sudo !== false) script.sudo = true;
  const retry = raw['retryOnRestart'];
  if (retry === true) script.retryOnRestart = true;
  else if (retry !== undefined && retry !== null && retry !== false) {
    problems.add([...path, 'retryOnRestart'], `retryOnRestart must be true or false, got ${JSON.stringify(retry)}`);
    return undefined;
  }
  return script;
}

/**
 * Accepts a positive whole number of seconds (or a string of digits). No upper bound: like the
 * CodeDeploy agent, 3600 is only the default; the per-event limit belongs to the coordinator.
 */
function parseTimeout(raw: unknown, path: KeyPath, problems: ProblemList): number | undefined {
  if (raw === null || raw === undefined) return DEFAULT_HOOK_TIMEOUT_SECONDS;
  let seconds: number | undefined;
  if (typeof raw === 'number' && Number.isInteger(raw)) seconds = raw;
  else if (typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw)) seconds = Number.parseInt(raw, 10);
  if (seconds === undefined) {
    problems.add(path, `timeout must be a whole number of seconds, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  if (seconds <= 0 || !Number.isSafeInteger(seconds)) {
    problems.add(path, `timeout must be a positive number of seconds, got ${seconds}`);
    return undefined;
  }
  return seconds;
}
