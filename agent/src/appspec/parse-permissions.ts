/**
 * The `permissions` section (Linux only): modes, owners, ACLs and SELinux contexts for what the
 * Install event creates.
 */
import { isScalar } from 'yaml';
import { checkAcl, checkMode, checkRange } from './permission-values.ts';
import { isRecord, scalarText, type KeyPath, type ProblemList } from './problems.ts';
import type { AppSpecOs, PermissionSpec, YamlOctalModes } from './types.ts';

type ObjectType = 'file' | 'directory';

/** Validates `permissions`; refused outright for a Windows revision, as CodeDeploy does. */
export function parsePermissions(raw: unknown, os: AppSpecOs, problems: ProblemList, octal: YamlOctalModes = 'deckhand'): PermissionSpec[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.add(['permissions'], 'permissions must be a list');
    return [];
  }
  if (os === 'windows' && raw.length > 0) {
    problems.add(['permissions'], 'permissions are supported only for linux revisions: remove the permissions section');
    return [];
  }
  const out: PermissionSpec[] = [];
  raw.forEach((entry, i) => {
    const spec = parsePermission(entry, ['permissions', i], problems, octal);
    if (spec !== undefined) out.push(spec);
  });
  return out;
}

function parsePermission(raw: unknown, at: KeyPath, problems: ProblemList, octal: YamlOctalModes): PermissionSpec | undefined {
  if (!isRecord(raw)) {
    problems.add(at, 'each permissions entry must be a mapping with an object');
    return undefined;
  }
  const before = problems.problems.length;
  const object = scalarText(raw['object'])?.trim() ?? '';
  if (object === '') problems.add([...at, 'object'], 'the permissions entry has no object: name the file or directory it applies to');
  const spec: PermissionSpec = {
    object,
    pattern: scalarText(raw['pattern'])?.trim() || '**',
    except: stringList(raw['except'], [...at, 'except'], problems) ?? [],
    type: parseTypes(raw['type'], [...at, 'type'], problems),
  };
  const owner = scalarText(raw['owner'])?.trim();
  if (owner) spec.owner = owner;
  const group = scalarText(raw['group'])?.trim();
  if (group) spec.group = group;
  const mode = parseMode(raw['mode'], [...at, 'mode'], problems, octal);
  if (mode !== undefined) spec.mode = mode;
  const acls = parseAcls(raw['acls'], [...at, 'acls'], problems);
  if (acls !== undefined) spec.acls = acls;
  const context = parseContext(raw['context'], [...at, 'context'], problems);
  if (context !== undefined) spec.context = context;
  return problems.problems.length === before ? spec : undefined;
}

function stringList(raw: unknown, at: KeyPath, problems: ProblemList): string[] | undefined {
  if (raw === null || raw === undefined) return undefined;
  const items = Array.isArray(raw) ? raw : [raw];
  const texts = items.map((v) => scalarText(v));
  if (texts.some((t) => t === undefined)) {
    problems.add(at, `${String(at[at.length - 1])} must be a list of strings`);
    return undefined;
  }
  return texts as string[];
}

function parseTypes(raw: unknown, at: KeyPath, problems: ProblemList): ObjectType[] {
  const list = stringList(raw, at, problems);
  if (list === undefined) return ['file', 'directory'];
  const bad = list.find((t) => t !== 'file' && t !== 'directory');
  if (bad !== undefined) problems.add(at, `type "${bad}" is not supported for permissions: use file and/or directory`);
  return list.filter((t): t is ObjectType => t === 'file' || t === 'directory');
}

/**
 * A mode as written. YAML 1.1 reads an unquoted `0755` as the octal number 493, and CodeDeploy
 * then applies the digits of that number (0755 → "493" → refused; 0644 → "420" → chmod 0420,
 * silently wrong). A leading-zero mode whose reading keeps its digits (`0000`, `0007`) is taken
 * as written; the others are refused with the trap explained, unless `octal` is 'codedeploy'.
 */
function parseMode(raw: unknown, at: KeyPath, problems: ProblemList, octal: YamlOctalModes): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const node = problems.node(at);
  if (isScalar(node) && node.format === 'OCT' && typeof raw === 'number') {
    const written = typeof node.source === 'string' ? node.source : String(raw);
    // The digits CodeDeploy applies equal those written only for 0 to 7 (one octal digit).
    if (octal === 'deckhand' && raw > 7) {
      problems.add(at, octalTrap(written, raw));
      return undefined;
    }
  }
  const text = scalarText(raw);
  if (text === undefined) {
    problems.add(at, 'mode must be 3 or 4 octal digits, e.g. "0644"');
    return undefined;
  }
  const checked = checkMode(text);
  if (!checked.ok) problems.add(at, checked.message);
  return checked.ok ? checked.value : undefined;
}

function octalTrap(written: string, value: number): string {
  const applied = String(value).padStart(3, '0');
  const codedeploy = /^[0-7]{1,4}$/.test(applied) ? `applies it as ${applied}` : `refuses it (${applied} is not an octal mode)`;
  return (
    `unquoted mode ${written} is read by YAML 1.1 as the octal number ${value}, so CodeDeploy ${codedeploy}, not ${written}: ` +
    `quote it ("${written}") or drop the leading zero (${written.replace(/^0+(?=.)/, '')}); ` +
    'to reproduce CodeDeploy\'s reading, set yamlOctalModes to codedeploy'
  );
}

function parseAcls(raw: unknown, at: KeyPath, problems: ProblemList): string[] | undefined {
  const list = stringList(raw, at, problems);
  if (list === undefined) return undefined;
  list.forEach((entry, i) => {
    const checked = checkAcl(entry);
    if (!checked.ok) problems.add([...at, i], checked.message);
  });
  return list;
}

function parseContext(raw: unknown, at: KeyPath, problems: ProblemList): PermissionSpec['context'] {
  if (raw === null || raw === undefined) return undefined;
  if (!isRecord(raw)) {
    problems.add(at, 'context must be a mapping with name, type and range');
    return undefined;
  }
  const type = scalarText(raw['type'])?.trim();
  if (!type) {
    problems.add([...at, 'type'], 'the SELinux context has no type');
    return undefined;
  }
  const context: NonNullable<PermissionSpec['context']> = { type };
  // The agent reads `name`; the CodeDeploy docs call it `user`. Accept both.
  const user = scalarText(raw['name'] ?? raw['user'])?.trim();
  if (user) context.user = user;
  const rangeText = scalarText(raw['range']);
  if (rangeText !== undefined) {
    const range = checkRange(rangeText);
    if (!range.ok) problems.add([...at, 'range'], range.message);
    else context.range = range.value;
  }
  return context;
}
