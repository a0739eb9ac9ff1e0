/**
 * `deckhand-agent preflight`: checks a revision against this host without running anything
 * (the checks are preflight/checks.ts), printing one line per finding, or with --json one object.
 */
import os from 'node:os';
import path from 'node:path';
import type { LocalCommand } from '../config/local-args.ts';
import { runPreflightChecks } from '../preflight/checks.ts';
import type { CommandIo } from './appspec-validate.ts';
import { localDeploymentId, resolveLocalRevision } from './local-revision.ts';

/** Runs every check; resolves 0 when all pass, 1 otherwise. Warnings fail only with --strict. */
export async function runPreflight(cmd: LocalCommand, io: CommandIo): Promise<number> {
  const report = await runPreflightChecks({
    revision: (scratch) => resolveLocalRevision({ ...cmd, root: scratch }, localDeploymentId()),
    label: cmd.bundleLocation,
    scratchParent: os.tmpdir(),
    instructionsDir: path.join(cmd.root, 'deployment-instructions'),
    deploymentGroupId: cmd.deploymentGroupId,
    destRoot: cmd.destRoot,
    fileExistsBehavior: cmd.fileExistsBehavior,
    appSpec: { yamlOctalModes: cmd.yamlOctalModes, ...(cmd.appSpecFileName === undefined ? {} : { fileName: cmd.appSpecFileName }) },
    strict: cmd.strict,
  });
  if (cmd.json) {
    const { ok, problems, warnings, findings } = report;
    io.out(JSON.stringify({ ok, problems, warnings, findings }));
    return ok ? 0 : 1;
  }
  for (const f of report.findings) (f.ok ? io.out : io.err)(`${f.ok ? 'ok  ' : 'FAIL'} ${f.check}: ${f.message}`);
  for (const w of report.warnings) io.err(`WARN ${w}`);
  const failed = report.problems.length;
  io.out(failed === 0 ? 'preflight passed' : `preflight failed: ${failed} problem${failed === 1 ? '' : 's'}`);
  return failed === 0 ? 0 : 1;
}
