/**
 * The `<deploymentGroupId>-cleanup` file: one absolute path per line of everything the last
 * Install created, removed at the start of the next Install (CodeDeploy's installer.rb).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** Path of the cleanup file for a deployment group. */
export function cleanupFilePath(instructionsDir: string, deploymentGroupId: string): string {
  return path.join(instructionsDir, `${deploymentGroupId}-cleanup`);
}

/** The listed paths; a last line without a newline was half-written and is dropped. */
export async function readCleanupList(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.split('\n');
  lines.pop();
  // `semanage\0<path>` lines (SELinux rules, CodeDeploy's format) are not paths to delete.
  return lines.filter((line) => line !== '' && !line.includes('\0'));
}

/**
 * Removes the listed paths in reverse order: files and links are unlinked, directories removed
 * only when empty (a non-empty one holds files someone else put there), missing ones ignored.
 * Synchronous calls, the event loop turning every few hundred paths (see install.ts).
 */
export async function removeListed(paths: readonly string[]): Promise<void> {
  const reversed = [...paths].reverse();
  for (let i = 0; i < reversed.length; i++) {
    if (i > 0 && i % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    removeOne(reversed[i] ?? '');
  }
}

function removeOne(p: string): void {
  const stat = fs.lstatSync(p, { throwIfNoEntry: false });
  if (stat === undefined) return;
  if (!stat.isDirectory()) {
    fs.rmSync(p, { force: true });
    return;
  }
  try {
    fs.rmdirSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
}

/**
 * Writes the new cleanup file line by line as things are created (copies before, directories
 * after), so an Install that fails half-way still lists what it made, as CodeDeploy does.
 */
export class CleanupWriter {
  private readonly fd: number;

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(file, 'w', 0o600);
  }

  /** Appends one path. */
  add(p: string): void {
    fs.writeSync(this.fd, `${p}\n`);
  }

  /** Appends several paths with one write. */
  addAll(paths: readonly string[]): void {
    if (paths.length > 0) fs.writeSync(this.fd, `${paths.join('\n')}\n`);
  }

  /** Flushes to disk and closes. */
  close(): void {
    try {
      fs.fsyncSync(this.fd);
    } finally {
      fs.closeSync(this.fd);
    }
  }
}
