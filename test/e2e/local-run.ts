/** Runs `deckhand-agent local` and `preflight` as real processes, for the local-run e2e tests. */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './cluster.ts';

/** The repository root. */
export const REPO = REPO_ROOT;
/** The conformance bundles. */
export const BUNDLES_DIR = path.resolve(REPO, 'test', 'fixtures', 'conformance', 'bundles');

/** What a finished process printed. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs deckhand-agent with `args` (in `cwd`, by default this process's); never rejects for a non-zero exit. */
export function runAgent(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO, 'bin', 'deckhand-agent.js'), ...args],
      { env: { ...process.env, ...env }, timeout: 60_000, ...(cwd === undefined ? {} : { cwd }) },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs deckhand-agent as {@link runAgent} does, under the file mode creation mask `umask`. */
export function runAgentWithUmask(umask: number, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const script = `umask ${umask.toString(8).padStart(4, '0')} && exec "$0" "$@"`;
    execFile(
      '/bin/sh',
      ['-c', script, process.execPath, path.join(REPO, 'bin', 'deckhand-agent.js'), ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }),
    );
  });
}

/**
 * Copies a conformance bundle to `dir`, writable, with {{DEST}} in its appspec replaced by `dest`.
 * Files are rewritten rather than edited, so a read-only checkout works too.
 */
export async function copyBundle(name: string, dir: string, dest: string): Promise<string> {
  const target = path.join(dir, name);
  await fs.cp(path.join(BUNDLES_DIR, name), target, { recursive: true });
  for (const rel of await fs.readdir(target, { recursive: true })) {
    const file = path.join(target, String(rel));
    const stat = await fs.stat(file);
    await fs.chmod(file, stat.mode | 0o200);
    if (/^appspec\.ya?ml$/.test(path.basename(file))) {
      await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replaceAll('{{DEST}}', dest));
    }
  }
  return target;
}
