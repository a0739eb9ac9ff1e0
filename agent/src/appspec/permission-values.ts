/**
 * Validation of the value grammars inside `permissions`: octal modes, ACL entries and SELinux
 * ranges. Each function returns an error message, or the normalized value.
 */

/** Result of checking one value: the normalized value, or why it was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** CodeDeploy pads a mode to 3 characters and allows at most 4, each an octal digit. */
export function checkMode(text: string): Checked<string> {
  const mode = text.trim().padStart(3, '0');
  if (mode.length > 4) {
    return { ok: false, message: `mode "${text}" is too long: write 3 or 4 octal digits, e.g. "0644"` };
  }
  const bad = [...mode].find((c) => c < '0' || c > '7');
  if (bad !== undefined) {
    return { ok: false, message: `mode "${text}" contains an invalid character (${bad}): use octal digits 0-7` };
  }
  return { ok: true, value: mode };
}

const ACE_TYPES: Record<string, 'user' | 'group' | 'mask' | 'other'> = {
  u: 'user', user: 'user', g: 'group', group: 'group', m: 'mask', mask: 'mask', o: 'other', other: 'other',
};

/** One parsed ACL entry; `name` is empty for base and mask entries. */
export interface Ace {
  isDefault: boolean;
  type: 'user' | 'group' | 'mask' | 'other';
  name: string;
  perms: string;
}

/**
 * Parses `[d[efault]:][u[ser]|g[roup]|m[ask]|o[ther]:][name]:perms` like the CodeDeploy agent's
 * AceInfo (read right to left: perms, name, type, default marker).
 */
export function parseAce(entry: string): Ace | undefined {
  const parts = entry.split(':').reverse();
  if (parts.length < 2 || parts.length > 4) return undefined;
  const ace: Ace = { isDefault: false, type: 'user', name: parts[1] ?? '', perms: parts[0] ?? '' };
  if (parts.length === 4) {
    if (!isDefaultMarker(parts[3])) return undefined;
    ace.isDefault = true;
  }
  if (parts.length >= 3) {
    const marker = parts[2] ?? '';
    if (isDefaultMarker(marker)) {
      if (ace.isDefault) return undefined;
      ace.isDefault = true;
    } else {
      const type = ACE_TYPES[marker];
      if (type === undefined) return undefined;
      ace.type = type;
    }
  } else if (ace.name === 'm' || ace.name === 'mask') {
    ace.type = 'mask';
    ace.name = '';
  }
  return ace;
}

function isDefaultMarker(s: string | undefined): boolean {
  return s === 'd' || s === 'default';
}

/** Checks one ACL entry; base entries (unnamed user/group/other) must be set with `mode`. */
export function checkAcl(entry: string): Checked<string> {
  const ace = parseAce(entry);
  if (ace === undefined || ((ace.type === 'mask' || ace.type === 'other') && ace.name !== '')) {
    return { ok: false, message: `invalid ACL entry "${entry}": expected [d:][u|g|m|o:]name:perms` };
  }
  const badPerm = /^[0-7]$/.test(ace.perms) ? undefined : [...ace.perms].find((c) => !'rwx-'.includes(c));
  if (badPerm !== undefined || ace.perms === '') {
    return { ok: false, message: `ACL entry "${entry}" has invalid permissions (${badPerm ?? 'empty'}): use rwx- or one octal digit` };
  }
  if (!ace.isDefault && ace.name === '' && ace.type !== 'mask') {
    return { ok: false, message: `ACL entry "${entry}" sets a base entry: use mode for the owner, group and other bits` };
  }
  return { ok: true, value: entry };
}

/** A parsed SELinux MLS range `s<n>[-s<m>][:c<a>[.c<b>],...]`. */
export interface SelinuxRange {
  low: string;
  high?: string;
  /** Canonical category set, e.g. `c0.c5,c9`. */
  categories?: string;
}

const MAX_CATEGORY = 1023;

/** Checks a SELinux range as the CodeDeploy agent's RangeInfo does. */
export function checkRange(text: string): Checked<SelinuxRange> {
  const m = /^s(\d+)(?:-s(\d+))?(?::(.+))?$/.exec(text.trim());
  if (m === null) return { ok: false, message: `invalid SELinux range "${text}": expected s<n>[-s<m>][:c<a>[.c<b>],...]` };
  const low = Number(m[1]);
  const high = m[2] === undefined ? undefined : Number(m[2]);
  if (high !== undefined && high < low) {
    return { ok: false, message: `invalid SELinux range "${text}": the high sensitivity s${high} is below the low s${low}` };
  }
  const range: SelinuxRange = { low: `s${low}` };
  if (high !== undefined) range.high = `s${high}`;
  if (m[3] !== undefined) {
    const cats = checkCategories(m[3]);
    if (!cats.ok) return { ok: false, message: `invalid SELinux range "${text}": ${cats.message}` };
    range.categories = cats.value;
  }
  return { ok: true, value: range };
}

function checkCategories(text: string): Checked<string> {
  const seen = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^c(\d+)(?:\.c(\d+))?$/.exec(part);
    if (m === null) return { ok: false, message: `invalid category ${part}` };
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a > MAX_CATEGORY || b > MAX_CATEGORY || b < a) return { ok: false, message: `invalid category range ${part}` };
    for (let c = a; c <= b; c++) {
      if (seen.has(c)) return { ok: false, message: 'duplicate categories' };
      seen.add(c);
    }
  }
  return { ok: true, value: text };
}
