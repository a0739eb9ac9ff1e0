/**
 * The `files` section: what the Install event copies where.
 */
import path from 'node:path';
import { MAX_FILES, tooMany } from './limits.ts';
import { isRecord, scalarText, type KeyPath, type ProblemList } from './problems.ts';
import type { AppSpecOs, FileMapping } from './types.ts';

/** Validates `files`; every entry needs a source and an absolute destination. */
export function parseFiles(raw: unknown, os: AppSpecOs, problems: ProblemList): FileMapping[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.add(['files'], 'files must be a list of {source, destination} entries');
    return [];
  }
  if (raw.length > MAX_FILES) {
    problems.add(['files'], tooMany('files', raw.length, MAX_FILES));
    return [];
  }
  const files: FileMapping[] = [];
  raw.forEach((entry, i) => {
    const mapping = parseMapping(entry, ['files', i], os, problems);
    if (mapping !== undefined) files.push(mapping);
  });
  return files;
}

function parseMapping(raw: unknown, at: KeyPath, os: AppSpecOs, problems: ProblemList): FileMapping | undefined {
  if (!isRecord(raw)) {
    problems.add(at, 'each files entry must be a mapping with source and destination');
    return undefined;
  }
  const source = scalarText(raw['source'])?.trim();
  const destination = scalarText(raw['destination'])?.trim();
  const hasSource = source !== undefined && source !== '';
  const hasDestination = destination !== undefined && destination !== '';
  if (hasSource && !hasDestination) {
    problems.add([...at, 'destination'], `the entry has source "${source}" but no destination directory`);
  } else if (!hasSource && hasDestination) {
    problems.add([...at, 'source'], `the entry has destination "${destination}" but no source`);
  } else if (!hasSource) {
    problems.add(at, 'the entry needs a source and a destination');
  }
  if (!hasSource || !hasDestination) return undefined;
  // CodeDeploy expands a relative destination against the agent's working directory, which is
  // never what the author meant; Deckhand refuses it instead.
  if (!isAbsoluteFor(os, destination)) {
    problems.add([...at, 'destination'], `destination "${destination}" must be an absolute path`);
    return undefined;
  }
  return { source, destination };
}

function isAbsoluteFor(os: AppSpecOs, p: string): boolean {
  return os === 'windows' ? path.win32.isAbsolute(p) : p.startsWith('/');
}
