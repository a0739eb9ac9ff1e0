/**
 * The external tools that `permissions` needs (setfacl for acls; semanage and restorecon for
 * SELinux contexts): found on a search path and checked before an Install changes anything.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { PermissionSpec } from '../appspec/types.ts';

/** Where to look for the tools; injectable so tests can take them away. */
export interface ToolEnv {
  /** A PATH-style list of directories. */
  searchPath: string;
  /** The selinuxfs mount; SELinux is enabled when `<selinuxFs>/enforce` exists (as libselinux decides). */
  selinuxFs: string;
}

/** The host's tools: the agent's PATH and /sys/fs/selinux. */
export function hostToolEnv(): ToolEnv {
  return { searchPath: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', selinuxFs: '/sys/fs/selinux' };
}

/** Absolute paths of the tools an Install's permissions will run. */
export interface PermissionTools {
  setfacl?: string;
  semanage?: string;
  restorecon?: string;
}

/** The first executable `name` on the search path, or undefined. */
export async function findTool(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    const ok = await fs.access(candidate, fs.constants.X_OK).then(() => true, () => false);
    if (ok) return candidate;
  }
  return undefined;
}

/**
 * Finds the tools the permissions need, so a host that lacks one refuses the Install before
 * anything is removed or copied.
 * @throws INSTALL_FAILED naming the missing tool (and its package) or saying SELinux is not available.
 */
export async function requirePermissionTools(specs: readonly PermissionSpec[], env: ToolEnv): Promise<PermissionTools> {
  const tools: PermissionTools = {};
  const withAcls = specs.find((s) => s.acls !== undefined && s.acls.length > 0);
  if (withAcls !== undefined) {
    const setfacl = await findTool('setfacl', env.searchPath);
    if (setfacl === undefined) {
      throw new DeckhandError(
        'INSTALL_FAILED',
        `permissions for ${withAcls.object} set acls, but setfacl is not installed on this host: install the "acl" package (apt-get install acl / dnf install acl)`,
      );
    }
    tools.setfacl = setfacl;
  }
  const withContext = specs.find((s) => s.context !== undefined);
  if (withContext !== undefined) {
    const semanage = await findTool('semanage', env.searchPath);
    const restorecon = await findTool('restorecon', env.searchPath);
    const problem = await selinuxProblem(env, { semanage, restorecon });
    if (problem !== undefined || semanage === undefined || restorecon === undefined) {
      throw new DeckhandError('INSTALL_FAILED', `permissions for ${withContext.object} set an SELinux context, but SELinux is not available on this host: ${problem ?? 'tools missing'}`);
    }
    Object.assign(tools, { semanage, restorecon });
  }
  return tools;
}

/** Why contexts cannot be applied here, or undefined when SELinux is enabled and its tools present. */
async function selinuxProblem(env: ToolEnv, found: Record<string, string | undefined>): Promise<string | undefined> {
  const missing = Object.keys(found).filter((name) => found[name] === undefined);
  if (missing.length > 0) {
    return `${missing.join(' and ')} not found (packages policycoreutils-python-utils / policycoreutils)`;
  }
  const enforce = path.join(env.selinuxFs, 'enforce');
  const enabled = await fs.access(enforce).then(() => true, () => false);
  return enabled ? undefined : `SELinux is disabled (no ${enforce})`;
}

const execFileAsync = promisify(execFile);

/**
 * Runs a tool with arguments (never through a shell).
 * @throws INSTALL_FAILED with `describe` and CodeDeploy's "Failed command: … Exit code: …" tail.
 */
export async function runTool(file: string, args: readonly string[], describe: string): Promise<void> {
  try {
    await execFileAsync(file, [...args]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { code?: number | string; stderr?: string };
    const stderr = typeof e.stderr === 'string' && e.stderr.trim() !== '' ? ` (${e.stderr.trim()})` : '';
    throw new DeckhandError(
      'INSTALL_FAILED',
      `${describe}. Failed command: ${[path.basename(file), ...args].join(' ')}. Exit code: ${String(e.code)}${stderr}`,
      { cause: err },
    );
  }
}
