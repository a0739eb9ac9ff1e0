/**
 * Tests that need a system tool which may be absent (setfacl, systemd-analyze, shellcheck,
 * PostgreSQL, ...) call {@link requireTool}: where the tool is missing the test is marked pending
 * with a title that names the tool and the package to install, and the run ends with a count of
 * what was pending and why (see root-hooks.ts). `npm test` installs them where it can
 * (test/setup/system-tools.sh), so on CI they all run.
 */
import { execFileSync } from 'node:child_process';

/** Why tests were pending: "setfacl (Debian package acl)" → number of tests. */
const pendingFor = new Map<string, number>();

const found = new Map<string, boolean>();

/** True when `tool` is on PATH and runs (`--version`, or `probe` when given). */
export function hasTool(tool: string, probe: readonly string[] = ['--version']): boolean {
  const key = `${tool} ${probe.join(' ')}`;
  let ok = found.get(key);
  if (ok === undefined) {
    try {
      execFileSync(tool, [...probe], { stdio: 'ignore', timeout: 10_000 });
      ok = true;
    } catch {
      // Not installed, or not runnable here: the caller marks its tests pending, naming it.
      ok = false;
    }
    found.set(key, ok);
  }
  return ok;
}

/** Marks the running test (or, in a hook, its suite) pending because `what` is missing. */
export function skipForMissing(ctx: Mocha.Context, what: string): never {
  const runnable: Mocha.Runnable | undefined = ctx.currentTest ?? ctx.test;
  const reason = `${what} is missing`;
  // In a before() hook the whole suite is skipped: name the reason on each of its tests.
  const isHook = (runnable as { type?: string } | undefined)?.type === 'hook';
  const tests: Mocha.Runnable[] = isHook ? (runnable?.parent?.tests ?? []) : runnable ? [runnable] : [];
  for (const t of tests) {
    if (!t.title.includes('[pending:')) t.title = `${t.title} [pending: ${reason}]`;
  }
  pendingFor.set(what, (pendingFor.get(what) ?? 0) + Math.max(1, tests.length));
  ctx.skip();
}

/**
 * Skips the test (pending, with the reason in its title) unless `tool` runs here.
 * @param pkg the Debian package that provides it, named in the message.
 */
export function requireTool(ctx: Mocha.Context, tool: string, pkg: string, probe?: readonly string[]): void {
  if (!hasTool(tool, probe)) skipForMissing(ctx, `${tool} (Debian package ${pkg})`);
}

/** Skips unless the tests run as root (creating users, chown to other users). */
export function requireRoot(ctx: Mocha.Context, why: string): void {
  if (process.getuid?.() !== 0) skipForMissing(ctx, `root (${why})`);
}

/** The pending counts, by missing tool; for the summary printed at the end of the run. */
export function pendingSummary(): ReadonlyMap<string, number> {
  return pendingFor;
}
