/**
 * Reboot and continue: a hook script that exits 194 (Windows 3010), as with AWS Systems
 * Manager, asks for the host to be rebooted. The agent journals the request with the current
 * boot id and reports it, runs the configured reboot command, and after the host is back (the
 * boot id changed) runs that script again and goes on with the deployment. Without a reboot
 * command (the default: a developer's machine must not reboot because a hook said so) the event
 * fails and says how to enable reboots.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { EventKey } from '../journal/types.ts';
import type { DeploymentContext } from './context.ts';
import type { ActionOutcome } from './event-actions.ts';

/** Linux's id of the running boot; it changes at every boot. */
export const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

/**
 * This boot's id: Linux's boot_id, or elsewhere the boot time to the minute (uptime is read in
 * seconds and the clock may be adjusted, so finer would change between two reads of one boot).
 */
export function currentBootId(file = BOOT_ID_FILE): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const bootMs = Date.now() - os.uptime() * 1000;
    return `boot-${Math.round(bootMs / 60_000)}`;
  }
}

/** Runs `command` through the platform shell; resolves with its exit code (or a reason it did not run). */
function runRebootCommand(command: string): Promise<number | string> {
  return new Promise((resolve) => {
    const child = spawn(command, {
      shell: true,
      stdio: 'ignore',
      env: { ...process.env, DECKHAND_AGENT_PID: String(process.pid) },
    });
    child.once('error', (err) => resolve(err.message));
    child.once('exit', (code, signal) => resolve(code ?? `killed by ${signal ?? 'a signal'}`));
  });
}

/**
 * Handles a script's reboot request: journals it, runs the reboot command. Returns 'rebooting'
 * when the host is going down (the event stays InProgress for the next boot), or the event's
 * failed outcome when reboots are disabled or the command failed.
 */
export async function requestReboot(ctx: DeploymentContext, key: EventKey, outcome: ActionOutcome, index: number): Promise<ActionOutcome | 'rebooting'> {
  const { deps } = ctx;
  const asked = outcome.message ?? 'a script asked for a reboot';
  const command = deps.reboot?.command;
  if (command === undefined) {
    return { ...outcome, message: `${asked}, but reboots are disabled on this agent (start it with --reboot-command to allow them)` };
  }
  const bootId = (deps.reboot?.bootId ?? currentBootId)();
  deps.journal.requestReboot(key, { index, bootId, message: `${asked}; rebooting the host` }, deps.clock.now());
  ctx.log.warn('rebooting the host for a hook', { lifecycleEvent: key.event, scriptName: outcome.scriptName });
  const result = await runRebootCommand(command);
  if (result === 0) return 'rebooting';
  const why = typeof result === 'number' ? `exited with ${result}` : result;
  return { ...outcome, message: `${asked}, but the reboot command (${command}) ${why}` };
}
