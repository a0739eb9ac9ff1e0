/**
 * Copies a `directory` revision into the deployment archive as the CodeDeploy agent does
 * (command_executor.rb#handle_local_directory: FileUtils.cp_r, without preserve): files keep
 * their contents and permission bits less the umask, directories are made afresh (0777 less the
 * umask), links are copied as links (never followed), and every time is the copy's. Install then
 * copies from the archive with preserve, so these are the modes and times installed files get.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { processUmask } from './umask.ts';

/** Entries copied between two turns of the event loop (synchronous calls: see install/install.ts). */
const ENTRIES_PER_TURN = 256;

/** Copies `src` to `dest` (which must not exist). */
export async function copyTree(src: string, dest: string): Promise<void> {
  const umask = processUmask();
  let copied = 0;
  const walk = async (from: string, to: string): Promise<void> => {
    fs.mkdirSync(to);
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      if (++copied % ENTRIES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) await walk(source, target);
      else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target);
      else if (entry.isFile()) copyFile(source, target, umask);
      else throw new DeckhandError('VALIDATION_FAILED', `${source} is neither a file, a directory nor a link: a directory revision cannot hold it`);
    }
  };
  await walk(src, dest);
}

function copyFile(source: string, target: string, umask: number): void {
  fs.copyFileSync(source, target, fs.constants.COPYFILE_EXCL);
  // copyFile keeps the source's exact mode; cp_r's copy is created through the umask.
  const mode = fs.statSync(target).mode & 0o7777;
  if ((mode & umask) !== 0) fs.chmodSync(target, mode & ~umask);
}
