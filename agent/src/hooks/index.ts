/**
 * The hook runner's public face: `createHookRunner` picks the platform strategies once, here,
 * so no other module looks at `process.platform`.
 */
import { userInfo } from 'node:os';
import type { Clock } from '../../../common/src/clock.ts';
import { posixCommandLine } from './command-line.posix.ts';
import { win32CommandLine } from './command-line.win32.ts';
import { createPosixKillTree } from './kill-tree.posix.ts';
import { createWin32KillTree } from './kill-tree.win32.ts';
import { ProcessHookRunner } from './runner.ts';
import { checkPosixUser } from './runas.posix.ts';
import { nodeSpawner } from './spawner.ts';
import type { Spawner } from './spawner.ts';
import type { HookPlatform, HookRunner } from './types.ts';

export type * from './types.ts';
export type { ExitInfo, SpawnHandle, SpawnOptions, Spawner } from './spawner.ts';
export { nodeSpawner } from './spawner.ts';
export { buildHookEnv } from './env.ts';
export type { HookEnvInput } from './env.ts';

/** Options of {@link createHookRunner}. */
export interface HookRunnerOptions {
  clock: Clock;
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** @default nodeSpawner */
  spawner?: Spawner;
  /** POSIX: time between SIGTERM and SIGKILL to a timed-out script's group. @default 5000 */
  killGraceMs?: number;
  /** How long to keep reading pipes a background process holds after the script exited. @default 2000 */
  drainGraceMs?: number;
  /** The user the agent runs as. @default os.userInfo().username */
  currentUser?: string;
  /** Windows: %SystemRoot%, for powershell.exe, cmd.exe and taskkill.exe. @default process.env.SystemRoot ?? 'C:\\Windows' */
  systemRoot?: string;
}

/** The platform strategies for `platform`: Windows, or POSIX for everything else. */
export function hookPlatformFor(opts: HookRunnerOptions & { spawner: Spawner }): HookPlatform {
  if ((opts.platform ?? process.platform) === 'win32') {
    const systemRoot = opts.systemRoot ?? process.env['SystemRoot'] ?? 'C:\\Windows';
    return {
      commandLine: (input) => win32CommandLine(input, { systemRoot }),
      killTree: createWin32KillTree({ spawner: opts.spawner, systemRoot }),
      checkRunAs: () => Promise.resolve(undefined),
    };
  }
  return {
    commandLine: posixCommandLine,
    killTree: createPosixKillTree({ clock: opts.clock, ...(opts.killGraceMs === undefined ? {} : { graceMs: opts.killGraceMs }) }),
    checkRunAs: (user) => checkPosixUser(opts.spawner, user),
  };
}

/** Creates the hook runner for this (or the given) platform. */
export function createHookRunner(opts: HookRunnerOptions): HookRunner {
  const spawner = opts.spawner ?? nodeSpawner;
  return new ProcessHookRunner({
    clock: opts.clock,
    spawner,
    platform: hookPlatformFor({ ...opts, spawner }),
    currentUser: opts.currentUser ?? userInfo().username,
    drainGraceMs: opts.drainGraceMs ?? 2000,
  });
}
