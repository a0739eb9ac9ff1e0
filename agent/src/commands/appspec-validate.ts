/**
 * `deckhand-agent appspec validate PATH`: checks an appspec file (or the appspec at the root of a
 * revision directory) for an OS, printing the normalized spec or one line per problem.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { unknownEventWarning, unknownHookEvents } from '../appspec/events.ts';
import { findAppSpec, formatProblems } from '../appspec/load.ts';
import { MAX_APPSPEC_CHARS, parseAppSpec } from '../appspec/parse.ts';
import type { AppSpecProblem } from '../appspec/types.ts';
import type { AppSpecValidateCommand } from '../config/local-args.ts';

/** Where a command writes. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * Runs the command; resolves with the exit code (0 valid, 1 invalid or unreadable). A hook name
 * that is no lifecycle event is a warning on stderr (an error with --strict).
 */
export async function appSpecValidate(cmd: AppSpecValidateCommand, io: CommandIo): Promise<number> {
  const file = await appSpecFile(cmd.path);
  if ('problem' in file) return report(cmd, io, [{ path: '', message: file.problem }]);
  const stat = await fs.stat(file.path);
  if (stat.size > MAX_APPSPEC_CHARS * 4) {
    return report(cmd, io, [{ path: '', message: `${file.path} is ${stat.size} bytes, more than the appspec limit` }]);
  }
  const result = parseAppSpec(await fs.readFile(file.path, 'utf8'), { os: cmd.os, yamlOctalModes: cmd.yamlOctalModes });
  if (!result.ok) return report(cmd, io, result.problems);
  const unknown = unknownHookEvents(result.spec).map((name) => ({ path: `hooks.${name}`, message: unknownEventWarning(name) }));
  if (cmd.strict && unknown.length > 0) return report(cmd, io, unknown);
  for (const w of unknown) io.err(`warning: ${formatProblems([w])}`);
  io.out(cmd.json ? JSON.stringify(result.spec, null, 2) : `${file.path} is a valid appspec for ${cmd.os}`);
  return 0;
}

async function appSpecFile(target: string): Promise<{ path: string } | { problem: string }> {
  const stat = await fs.stat(target).catch(() => undefined);
  if (stat === undefined) return { problem: `${target} does not exist` };
  if (stat.isFile()) return { path: target };
  const found = stat.isDirectory() ? await findAppSpec(target) : undefined;
  return found === undefined ? { problem: `no appspec.yml or appspec.yaml in ${path.resolve(target)}` } : { path: found };
}

function report(cmd: AppSpecValidateCommand, io: CommandIo, problems: AppSpecProblem[]): number {
  if (cmd.json) io.out(JSON.stringify({ valid: false, problems }, null, 2));
  else io.err(formatProblems(problems));
  return 1;
}
