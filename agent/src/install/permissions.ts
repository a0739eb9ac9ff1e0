/**
 * Applies the appspec's `permissions` (mode, acls, SELinux context, owner, group) to what this
 * Install created, and never to anything that was already there (CodeDeploy's installer.rb rules).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { Ace } from '../appspec/permission-values.ts';
import type { PermissionSpec } from '../appspec/types.ts';
import { applyAcl, parseAcl } from './acl.ts';
import { applyContext } from './selinux.ts';
import { hostToolEnv, requirePermissionTools, type PermissionTools, type ToolEnv } from './tools.ts';

/** A permissions entry with its object resolved and its owner and group looked up. */
export interface ResolvedPermission {
  spec: PermissionSpec;
  object: string;
  uid: number;
  gid: number;
  /** The parsed `acls`, when given. */
  acl?: Ace[];
}

/** The resolved entries and the tools they need. */
export interface ResolvedPermissions {
  perms: ResolvedPermission[];
  tools: PermissionTools;
}

/** What this Install created, and where to record SELinux rules for the next cleanup. */
export interface Created {
  files: ReadonlySet<string>;
  dirs: ReadonlySet<string>;
  recordCleanup?: (line: string) => void;
}

/**
 * Looks up owners and groups and finds setfacl / the SELinux tools, before anything is changed,
 * so an unknown user or a missing tool fails the Install without touching the previous revision.
 * @throws INSTALL_FAILED for unknown users or groups, a missing setfacl, or SELinux not available.
 */
export async function resolvePermissions(
  specs: readonly PermissionSpec[],
  resolveObject: (object: string) => string,
  env: ToolEnv = hostToolEnv(),
): Promise<ResolvedPermissions> {
  const perms: ResolvedPermission[] = [];
  for (const spec of specs) {
    const uid = spec.owner === undefined ? -1 : await lookupId('passwd', spec.owner);
    const gid = spec.group === undefined ? -1 : await lookupId('group', spec.group);
    const perm: ResolvedPermission = { spec, object: resolveObject(spec.object), uid, gid };
    if (spec.acls !== undefined && spec.acls.length > 0) perm.acl = parseAcl(spec.acls);
    perms.push(perm);
  }
  return { perms, tools: await requirePermissionTools(specs, env) };
}

/**
 * Applies each permission to the created files and directories it selects, per object in
 * CodeDeploy's order chmod → setfacl → semanage/restorecon → chown: the ACL's base entries and
 * mask are computed from the mode just set, and a later chmod would recompute the mask.
 */
export async function applyPermissions(resolved: ResolvedPermissions, created: Created): Promise<void> {
  for (const perm of resolved.perms) {
    for (const target of await selectTargets(perm, created)) await applyOne(perm, resolved.tools, target, created);
  }
}

async function applyOne(perm: ResolvedPermission, tools: PermissionTools, target: string, created: Created): Promise<void> {
  const { spec } = perm;
  // chmod, setfacl and restorecon would follow a created symlink to its target, which may be
  // outside what this deployment created; Linux has no mode or ACL on links themselves.
  const isLink = (await fs.lstat(target)).isSymbolicLink();
  if (!isLink) {
    if (spec.mode !== undefined) await fs.chmod(target, Number.parseInt(spec.mode, 8));
    if (perm.acl !== undefined && tools.setfacl !== undefined) {
      const stat = await fs.stat(target);
      await applyAcl(tools.setfacl, perm.acl, target, stat.mode & 0o777, stat.isDirectory());
    }
    if (spec.context !== undefined) {
      const real = await applyContext(tools, spec.context, target);
      // CodeDeploy's cleanup line; the next Install would remove the fcontext rule.
      created.recordCleanup?.(`semanage\0${real}`);
    }
  }
  if (perm.uid !== -1 || perm.gid !== -1) await fs.lchown(target, perm.uid, perm.gid);
}

/**
 * The object itself when it is a created file; else, when it is a directory, the created files
 * and directories strictly below it that match `pattern` and no `except`.
 */
async function selectTargets(perm: ResolvedPermission, created: Created): Promise<string[]> {
  const { spec, object } = perm;
  const wantFiles = spec.type.includes('file');
  const wantDirs = spec.type.includes('directory');
  if (created.files.has(object)) return wantFiles ? [object] : [];
  const isDir = created.dirs.has(object) || (await fs.stat(object).catch(() => undefined))?.isDirectory() === true;
  if (!isDir) return [];
  const candidates = [...(wantFiles ? created.files : []), ...(wantDirs ? created.dirs : [])];
  return candidates.filter((p) => {
    const rel = path.relative(object, p);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    return matches(spec.pattern, rel) && !spec.except.some((e) => globMatches(e, rel));
  });
}

/** `**` matches every descendant; any other pattern is a `*` glob on an immediate child's name. */
function matches(pattern: string, rel: string): boolean {
  return pattern === '**' || globMatches(pattern, rel);
}

function globMatches(glob: string, rel: string): boolean {
  if (rel.includes(path.sep)) return false;
  const re = new RegExp(`^${glob.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(rel);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const execFileAsync = promisify(execFile);

/** A user or group id: numeric as is, else from /etc/passwd or /etc/group, else `getent` (LDAP, sssd). */
export async function lookupId(db: 'passwd' | 'group', name: string): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  const fromFile = await fs.readFile(`/etc/${db}`, 'utf8').then((t) => idFromDb(t, name), () => undefined);
  if (fromFile !== undefined) return fromFile;
  const fromGetent = await execFileAsync('getent', [db, name]).then((r) => idFromDb(r.stdout, name), () => undefined);
  if (fromGetent !== undefined) return fromGetent;
  throw new DeckhandError('INSTALL_FAILED', `unknown ${db === 'passwd' ? 'user' : 'group'} "${name}" in permissions`);
}

function idFromDb(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields[2] !== undefined && /^\d+$/.test(fields[2])) return Number(fields[2]);
  }
  return undefined;
}
