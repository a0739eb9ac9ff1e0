/**
 * Finds and loads the appspec at the root of an unpacked revision.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { MAX_APPSPEC_CHARS, parseAppSpec } from './parse.ts';
import type { AppSpec, AppSpecOs, AppSpecProblem, YamlOctalModes } from './types.ts';

/** Names tried, in order. Deckhand uses the `.yaml` fallback for every event, unlike CodeDeploy 1.x. */
export const APPSPEC_NAMES = ['appspec.yml', 'appspec.yaml'] as const;

/** How a revision's appspec is found and read. */
export interface AppSpecLoadOptions {
  /**
   * The appspec's name (codedeploy-local's --appspec-filename), tried first; then appspec.yaml and
   * appspec.yml, in CodeDeploy's order. @default appspec.yml, then appspec.yaml
   */
  fileName?: string;
  /** How unquoted octal modes are read (see appspec/parse-permissions.ts). @default 'deckhand' */
  yamlOctalModes?: YamlOctalModes;
}

/** The names to try for `fileName`. */
function candidates(fileName: string | undefined): readonly string[] {
  return fileName === undefined ? APPSPEC_NAMES : [...new Set([fileName, 'appspec.yaml', 'appspec.yml'])];
}

/** Returns the path of the revision's appspec, or undefined when there is none. */
export async function findAppSpec(archiveDir: string, fileName?: string): Promise<string | undefined> {
  for (const name of candidates(fileName)) {
    const candidate = path.join(archiveDir, name);
    const stat = await fs.stat(candidate).catch(() => undefined);
    if (stat?.isFile()) return candidate;
  }
  return undefined;
}

/**
 * Loads and validates the revision's appspec for a host running `os`.
 * @throws DeckhandError APPSPEC_MISSING when there is no appspec, APPSPEC_INVALID listing every
 * problem (key path and line) when it does not validate.
 */
export async function loadAppSpec(archiveDir: string, os: AppSpecOs, opts: AppSpecLoadOptions = {}): Promise<AppSpec> {
  const file = await findAppSpec(archiveDir, opts.fileName);
  if (file === undefined) {
    throw new DeckhandError('APPSPEC_MISSING', `no ${candidates(opts.fileName).join(' or ')} at the root of the revision`);
  }
  const name = path.basename(file);
  const stat = await fs.stat(file);
  // Checked on bytes before reading, so a huge file is never loaded into memory.
  if (stat.size > MAX_APPSPEC_CHARS * 4) {
    throw invalid(name, [{ path: '', message: `the appspec is ${stat.size} bytes, more than the limit` }]);
  }
  const parseOpts = { os, ...(opts.yamlOctalModes === undefined ? {} : { yamlOctalModes: opts.yamlOctalModes }) };
  const result = parseAppSpec(await fs.readFile(file, 'utf8'), parseOpts);
  if (!result.ok) throw invalid(name, result.problems);
  return { ...result.spec, fileName: name };
}

/** One line per problem: `hooks.AfterInstall[0].timeout (line 12): timeout must be ...`. */
export function formatProblems(problems: readonly AppSpecProblem[]): string {
  return problems
    .map((p) => {
      const where = [p.path, p.line === undefined ? '' : `(line ${p.line})`].filter((s) => s !== '').join(' ');
      return where === '' ? p.message : `${where}: ${p.message}`;
    })
    .join('\n');
}

function invalid(name: string, problems: AppSpecProblem[]): DeckhandError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new DeckhandError('APPSPEC_INVALID', `${name} is invalid (${count}):\n${formatProblems(problems)}`, {
    details: { problems: problems.map((p) => ({ ...p })) },
  });
}
