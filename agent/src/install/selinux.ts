/**
 * Applies a permissions entry's SELinux `context` as the CodeDeploy agent does:
 * `semanage fcontext -a [-s user] -t type [-r range] <realpath>` then `restorecon -v <realpath>`.
 */
import fs from 'node:fs/promises';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { PermissionSpec } from '../appspec/types.ts';
import { runTool, type PermissionTools } from './tools.ts';

type Context = NonNullable<PermissionSpec['context']>;

/** The canonical range text, e.g. `s0-s3:c0.c5`. */
function rangeText(range: NonNullable<Context['range']>): string {
  return `${range.low}${range.high === undefined ? '' : `-${range.high}`}${range.categories === undefined ? '' : `:${range.categories}`}`;
}

/**
 * Labels `target` with `context`.
 * @returns the real path labelled, which the cleanup file records so the next Install removes the rule.
 */
export async function applyContext(tools: PermissionTools, context: Context, target: string): Promise<string> {
  if (tools.semanage === undefined || tools.restorecon === undefined) {
    // requirePermissionTools refuses the Install earlier; reaching here is a wiring bug.
    throw new DeckhandError('INSTALL_FAILED', `cannot set the SELinux context of ${target}: SELinux is not available on this host`);
  }
  const real = await fs.realpath(target);
  const args = ['fcontext', '-a'];
  if (context.user !== undefined) args.push('-s', context.user);
  args.push('-t', context.type);
  if (context.range !== undefined) args.push('-r', rangeText(context.range));
  const describe = `setting the SELinux context in permissions on ${real} failed`;
  await runTool(tools.semanage, [...args, real], describe);
  await runTool(tools.restorecon, ['-v', real], describe);
  return real;
}

