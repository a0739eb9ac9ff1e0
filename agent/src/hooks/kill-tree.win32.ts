/**
 * Windows tree kill via `taskkill /T /F`, which walks parent-pid links. It misses orphans whose
 * parent already exited; job objects would close that gap but need native code (see
 * reliability.md §4), so this is the documented v1 behaviour.
 */
import { nativeSystemDir } from './command-line.win32.ts';
import type { Spawner } from './spawner.ts';
import type { KillTree } from './types.ts';

/** Options of {@link createWin32KillTree}. */
export interface Win32KillTreeOptions {
  spawner: Spawner;
  /** @default 'C:\\Windows' */
  systemRoot?: string;
  /** A 32-bit agent on 64-bit Windows: use the 64-bit taskkill under Sysnative. @default false */
  wow64?: boolean;
}

/** Kills the tree at `pid` with `%SystemRoot%\System32\taskkill.exe /PID <pid> /T /F`. */
export function createWin32KillTree(opts: Win32KillTreeOptions): KillTree {
  const taskkill = `${nativeSystemDir({ systemRoot: opts.systemRoot ?? 'C:\\Windows', wow64: opts.wow64 ?? false })}\\taskkill.exe`;
  return {
    async kill(pid) {
      try {
        const handle = opts.spawner.spawn(taskkill, ['/PID', String(pid), '/T', '/F'], {});
        // taskkill's own output is not interesting; drain it so it cannot block on a full pipe.
        handle.stdout?.resume();
        handle.stderr?.resume();
        await handle.exited;
      } catch {
        // taskkill missing or failing (process already gone) leaves nothing else to try; the
        // caller reports the timeout either way, keeping the "never rejects" contract.
      }
    },
  };
}
