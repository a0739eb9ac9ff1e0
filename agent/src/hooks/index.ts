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
import { findTool, lookupPosixUser, posixIdentity } from './runas.posix.ts';
import type { PosixTools } from './runas.posix.ts';
import { nodeSpawner } from './spawner.ts';
import type { Spawner } from './spawner.ts';
import type { HookPlatform, HookRunner } from './types.ts';

export type * from './types.ts';
export type { ExitInfo, SpawnHandle, SpawnOptions, Spawner } from './spawner.ts';
export { nodeSpawner } from './spawner.ts';
export { buildHookEnv } from './env.ts';
export type { BundleEnvInput, HookEnvInput } from './env.ts';

/** Options of {@link createHookRunner}. */
export interface HookRunnerOptions {
  clock: Clock;
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** @default nodeSpawner */
  spawner?: Spawner;
  /** POSIX: time between SIGTERM and SIGKILL to a timed-out script's group. @default 5000 */
  killGraceMs?: number;
  /** How often a script adopted after an agent restart is checked for its end. @default 100 */
  pollMs?: number;
  /** The user the agent runs as. @default os.userInfo().username */
  currentUser?: string;
  /** POSIX: the agent runs as root, so runas switches with setpriv. @default process.getuid() === 0 */
  privileged?: boolean;
  /** POSIX: setpriv and sudo. @default found in /usr/bin, /bin, /usr/sbin, /sbin */
  tools?: PosixTools;
  /** Windows: %SystemRoot%, for powershell.exe, cmd.exe and taskkill.exe. @default process.env.SystemRoot ?? 'C:\\Windows' */
  systemRoot?: string;
  /** Windows: a 32-bit agent on 64-bit Windows. @default process.arch === 'ia32' && PROCESSOR_ARCHITEW6432 is set */
  wow64?: boolean;
  /** Windows, opt-in: run `.ps1` hooks with this pwsh.exe (PowerShell 7) instead of Windows PowerShell. */
  pwsh?: string;
}

/** The Windows strategies: PowerShell wrapper command lines and taskkill tree kill. */
function win32Platform(opts: HookRunnerOptions & { spawner: Spawner }): HookPlatform {
  const systemRoot = opts.systemRoot ?? process.env['SystemRoot'] ?? 'C:\\Windows';
  // WOW64 sets PROCESSOR_ARCHITEW6432 (to the machine's architecture) in 32-bit processes only.
  const wow64 = opts.wow64 ?? (process.arch === 'ia32' && process.env['PROCESSOR_ARCHITEW6432'] !== undefined);
  const cmdOpts = { systemRoot, wow64, ...(opts.pwsh === undefined ? {} : { pwsh: opts.pwsh }) };
  return {
    commandLine: (input) => win32CommandLine(input, cmdOpts),
    killTree: createWin32KillTree({ spawner: opts.spawner, systemRoot, wow64 }),
    identity: () => Promise.resolve({ prefix: [], env: {} }),
    rebootExitCode: 3010,
  };
}

/** The platform strategies for `platform`: Windows, or POSIX for everything else. */
export function hookPlatformFor(opts: HookRunnerOptions & { spawner: Spawner; currentUser: string }): HookPlatform {
  if ((opts.platform ?? process.platform) === 'win32') return win32Platform(opts);
  const { spawner, currentUser } = opts;
  const privileged = opts.privileged ?? process.getuid?.() === 0;
  const tools = opts.tools ?? { setpriv: findTool('setpriv'), sudo: findTool('sudo') };
  return {
    commandLine: posixCommandLine,
    killTree: createPosixKillTree({ clock: opts.clock, ...(opts.killGraceMs === undefined ? {} : { graceMs: opts.killGraceMs }) }),
    async identity(runas, sudo) {
      // runas naming the agent's own user is a no-op, as in CodeDeploy (no lookup, no switch).
      const user = runas === undefined || runas === currentUser ? undefined : await lookupPosixUser(spawner, runas);
      return typeof user === 'string' ? user : posixIdentity({ user, sudo, privileged, currentUser, tools });
    },
    rebootExitCode: 194,
  };
}

/** Creates the hook runner for this (or the given) platform. */
export function createHookRunner(opts: HookRunnerOptions): HookRunner {
  const spawner = opts.spawner ?? nodeSpawner;
  const currentUser = opts.currentUser ?? userInfo().username;
  return new ProcessHookRunner({
    clock: opts.clock,
    spawner,
    platform: hookPlatformFor({ ...opts, spawner, currentUser }),
    ...(opts.pollMs === undefined ? {} : { pollMs: opts.pollMs }),
  });
}
