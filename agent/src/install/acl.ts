/**
 * Applies a permissions entry's `acls` as the CodeDeploy agent does (acl_info.rb, installer.rb):
 * one `setfacl --set` with the given entries plus base entries synthesised from the file's
 * current mode, in canonical libacl forms (`u::r--`, `d:m::-w-`).
 */
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { parseAce, type Ace } from '../appspec/permission-values.ts';
import { runTool } from './tools.ts';

const TYPE_LETTER: Record<Ace['type'], string> = { user: 'u', group: 'g', mask: 'm', other: 'o' };

/** `rwx`-style permissions from one octal digit or letters among r, w, x and -. */
function permsText(perms: string): string {
  const bits = /^[0-7]$/.test(perms)
    ? Number(perms)
    : (perms.includes('r') ? 4 : 0) | (perms.includes('w') ? 2 : 0) | (perms.includes('x') ? 1 : 0);
  return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
}

function aceText(ace: Ace): string {
  return `${ace.isDefault ? 'd:' : ''}${TYPE_LETTER[ace.type]}:${ace.name}:${permsText(ace.perms)}`;
}

/** The appspec's entries, parsed; they were validated with the appspec, so a bad one is a bug. */
export function parseAcl(entries: readonly string[]): Ace[] {
  return entries.map((entry) => {
    const ace = parseAce(entry);
    if (ace === undefined) throw new DeckhandError('INSTALL_FAILED', `invalid ACL entry "${entry}"`);
    return ace;
  });
}

/** Whether any entry is a default (`d:`) entry, which only directories can carry. */
export function hasDefaultEntry(aces: readonly Ace[]): boolean {
  return aces.some((a) => a.isDefault);
}

/**
 * The full ACL for `setfacl --set`: the given entries, then the base user/group/other entries
 * from `mode`, a mask equal to the group bits when named entries have no mask, and the same base
 * and mask entries for the default ACL when any default entry is given.
 */
export function fullAcl(aces: readonly Ace[], mode: number): string[] {
  const out = aces.map(aceText);
  const base = (shift: number): string => permsText(String((mode >> shift) & 7));
  const has = (isDefault: boolean, type: Ace['type'], named: boolean): boolean =>
    aces.some((a) => a.isDefault === isDefault && a.type === type && (a.name !== '') === named);
  out.push(`u::${base(6)}`, `g::${base(3)}`, `o::${base(0)}`);
  const hasNamed = has(false, 'user', true) || has(false, 'group', true);
  if (hasNamed && !has(false, 'mask', false)) out.push(`m::${base(3)}`);
  if (hasDefaultEntry(aces)) {
    if (!has(true, 'user', false)) out.push(`d:u::${base(6)}`);
    if (!has(true, 'group', false)) out.push(`d:g::${base(3)}`);
    if (!has(true, 'other', false)) out.push(`d:o::${base(0)}`);
    if (!has(true, 'mask', false)) out.push(`d:m::${base(3)}`);
  }
  return out;
}

/**
 * Sets the ACL of `target` (whose mode, after any chmod, is `mode`).
 * @throws INSTALL_FAILED for a default entry on a file, or when setfacl fails.
 */
export async function applyAcl(setfacl: string, aces: readonly Ace[], target: string, mode: number, isDir: boolean): Promise<void> {
  if (!isDir && hasDefaultEntry(aces)) {
    throw new DeckhandError('INSTALL_FAILED', `the acls for ${target} include a default (d:) entry, which only directories can have: apply it to directories only (type: [directory])`);
  }
  const acl = fullAcl(aces, mode).join(',');
  await runTool(setfacl, ['--set', acl, target], `applying the acls in permissions to ${target} failed`);
}
