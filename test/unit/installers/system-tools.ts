/** Finds the host tools the installer tests check files with; they skip, saying why, without them. */
import { execFileSync } from 'node:child_process';

/** True when `tool` runs on this machine. */
export function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    // Not installed (or not runnable): the caller skips with a message naming the package.
    return false;
  }
}
