/**
 * Parses and validates an appspec.yml for EC2/on-premises deployments, with CodeDeploy's YAML 1.1
 * semantics (`version: 0.0` is a float, unquoted `0644` is octal).
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { FileExistsBehavior } from '../../../protocol/src/schemas.ts';
import { parseFiles } from './parse-files.ts';
import { parseHooks } from './parse-hooks.ts';
import { parsePermissions } from './parse-permissions.ts';
import { isRecord, ProblemList } from './problems.ts';
import type { AppSpec, AppSpecOs, AppSpecProblem, YamlOctalModes } from './types.ts';

/** Largest appspec text accepted, in UTF-16 code units (about 1 MiB). */
export const MAX_APPSPEC_CHARS = 1024 * 1024;
/** Alias expansions allowed while reading the YAML (defends against "billion laughs"). */
export const MAX_ALIAS_COUNT = 100;

/** Options of {@link parseAppSpec}. */
export interface ParseAppSpecOptions {
  /** The OS of the host the revision is for; the appspec's `os` must equal it. */
  os: AppSpecOs;
  /** How unquoted modes with a leading zero are read. @default 'deckhand' */
  yamlOctalModes?: YamlOctalModes;
}

/** Outcome of {@link parseAppSpec}: the normalized spec, or every problem found. */
export type ParseAppSpecResult = { ok: true; spec: AppSpec } | { ok: false; problems: AppSpecProblem[] };

const OSES: ReadonlySet<string> = new Set<AppSpecOs>(['linux', 'windows']);

/** Parses appspec text and validates it for a host running `opts.os`. Never throws. */
export function parseAppSpec(text: string, opts: ParseAppSpecOptions): ParseAppSpecResult {
  if (text.length > MAX_APPSPEC_CHARS) {
    return fail([{ path: '', message: `the appspec is larger than ${MAX_APPSPEC_CHARS} characters` }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter: lines, prettyErrors: false });
  const problems = new ProblemList(doc, lines);
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const line = lines.linePos(err.pos[0]).line;
      problems.add([], `not valid YAML (line ${line}): ${firstLine(err.message)}`, line);
    }
    return fail(problems.problems);
  }
  const root = readValue(doc, problems);
  if (problems.count > 0) return fail(problems.problems);
  const spec = validateRoot(root, opts, problems);
  return spec === undefined || problems.count > 0 ? fail(problems.problems) : { ok: true, spec };
}

function readValue(doc: Document, problems: ProblemList): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount.
    const message = err instanceof Error ? err.message : String(err);
    problems.add([], `the YAML could not be read: ${message}`);
    return undefined;
  }
}

function validateRoot(root: unknown, opts: ParseAppSpecOptions, problems: ProblemList): AppSpec | undefined {
  const hostOs = opts.os;
  // Psych loads "" and whitespace-only text as null/false; CodeDeploy calls both empty.
  if (root === null || root === undefined || root === false) {
    problems.add([], 'the appspec is empty: it must define at least version and os');
    return undefined;
  }
  if (!isRecord(root)) {
    problems.add([], 'the appspec must be a YAML mapping with version and os at the top level');
    return undefined;
  }
  checkVersion(root['version'], problems);
  const os = checkOs(root['os'], hostOs, problems) ?? hostOs;
  const spec: AppSpec = {
    version: '0.0',
    os,
    hooks: parseHooks(root['hooks'], os, problems),
    files: parseFiles(root['files'], os, problems),
    permissions: parsePermissions(root['permissions'], os, problems, opts.yamlOctalModes),
  };
  const feb = root['file_exists_behavior'];
  if (feb !== null && feb !== undefined) {
    const parsed = FileExistsBehavior.safeParse(feb);
    if (parsed.success) spec.fileExistsBehavior = parsed.data;
    else problems.add(['file_exists_behavior'], `file_exists_behavior must be DISALLOW, OVERWRITE or RETAIN (upper case), got ${JSON.stringify(feb)}`);
  }
  return spec;
}

/**
 * CodeDeploy compares with Ruby `==` against 0.0, so YAML `0`, `0.0` and `0.00` pass. The AWS docs
 * tell users to quote it, which the Ruby agent then refuses; Deckhand accepts "0.0" as well.
 */
function checkVersion(version: unknown, problems: ProblemList): void {
  if (version === 0 || version === '0.0') return;
  if (version === undefined || version === null) {
    problems.add(['version'], 'version is missing: it must be 0.0');
  } else {
    problems.add(['version'], `version must be 0.0, got ${JSON.stringify(version)}`);
  }
}

function checkOs(os: unknown, hostOs: AppSpecOs, problems: ProblemList): AppSpecOs | undefined {
  if (os === undefined || os === null) {
    problems.add(['os'], 'os is missing: it must be linux or windows');
    return undefined;
  }
  if (typeof os !== 'string' || !OSES.has(os)) {
    problems.add(['os'], `os must be "linux" or "windows" (lower case), got ${JSON.stringify(os)}`);
    return undefined;
  }
  if (os !== hostOs) {
    problems.add(['os'], `os is "${os}" but this host runs ${hostOs}: the revision is not for this host`);
  }
  return os as AppSpecOs;
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}

function fail(problems: AppSpecProblem[]): ParseAppSpecResult {
  return { ok: false, problems };
}
