/**
 * Who may read what under the agent root. A hook with `runas` runs as another user, who must
 * reach its script in `deployments/<group>/<deployment>/deployment-archive/`; the root is
 * therefore traversable by everyone but not listable (0711). What is the agent's alone stays
 * closed: the identity key (identity/, 0700, the key 0600), the journal and the root lock (0600,
 * so knowing their names is no use), the cleanup lists (deployment-instructions/, 0700) and the
 * agent's own logs and scratch folders (0700). A deployment's script output and status files sit
 * in its logs/ and status/ folders, 0700 (lifecycle/deployment.ts).
 */
import fs from 'node:fs';
import path from 'node:path';

/** The root: everyone may pass through it to a deployment archive, nobody but the agent list it. */
export const ROOT_MODE = 0o711;

/** Folders of the root only the agent may open. */
const PRIVATE_DIRS = ['identity', 'deployment-instructions', 'logs', 'downloads', 'preflight'];

/** Files of the root only the agent may read (SQLite gives its -wal and -shm the database's mode). */
const PRIVATE_FILES = ['agent.db', 'agent.db-wal', 'agent.db-shm', 'agent.lock'];

/**
 * Creates the root if needed and gives it and what is already in it the modes above; a root
 * an older installer or agent made 0700 is opened up to 0711 here. POSIX only: on Windows the
 * modes mean nothing and the installer's ACLs decide.
 */
export function prepareRoot(root: string): void {
  fs.mkdirSync(root, { recursive: true, mode: ROOT_MODE });
  if (process.platform === 'win32') return;
  fs.chmodSync(root, ROOT_MODE);
  for (const name of PRIVATE_DIRS) {
    const p = path.join(root, name);
    // A link (install.sh links logs/ to /var/log/deckhand) keeps the mode its target was given.
    if (fs.lstatSync(p, { throwIfNoEntry: false })?.isDirectory() === true) fs.chmodSync(p, 0o700);
  }
  for (const name of PRIVATE_FILES) {
    const p = path.join(root, name);
    if (fs.lstatSync(p, { throwIfNoEntry: false })?.isFile() === true) fs.chmodSync(p, 0o600);
  }
}

/** Creates `file` empty and readable by its owner only, unless it exists (SQLite then opens it as it is). */
export function createPrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
}
