/**
 * One agent per root. Two agents on the same journal would both resume its deployments and run
 * their hooks twice, so `run` takes this lock first. It is an exclusive SQLite lock (an fcntl
 * lock underneath, like the flock CodeDeploy's agent takes on its pid file): the kernel drops it
 * when the process dies, even by SIGKILL or power loss, so it can never be left stale. Hooks an
 * agent started do not inherit it, so a hook that outlives a killed agent does not keep its
 * successor out. The holder's pid is written beside it, for the message only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openSqlite } from '../../../common/src/sqlite.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import { createPrivateFile } from './root-layout.ts';

/** A held root lock; {@link release} lets another agent in. */
export interface RootLock {
  release(): void;
}

/**
 * Takes the lock on `root` (which must exist) or throws AGENT_ROOT_LOCKED naming the agent
 * that holds it. Never waits: a second agent is a mistake to report, not a turn to take.
 */
export function lockRoot(root: string): RootLock {
  const file = path.join(root, 'agent.lock');
  createPrivateFile(file);
  const db = openSqlite(file, { timeout: 0 });
  try {
    // EXCLUSIVE locking mode keeps the write lock from the first write until the connection
    // closes; the write below takes it or fails with SQLITE_BUSY at once (timeout 0).
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
    db.exec(`DELETE FROM holder; INSERT INTO holder (pid) VALUES (${process.pid})`);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    throw new DeckhandError('AGENT_ROOT_LOCKED', `another agent${holder(root)} is already running with root ${root}; stop it first (one agent per root)`);
  }
  writeFileSync(path.join(root, 'agent.pid'), `${process.pid}\n`);
  return { release: () => db.close() };
}

/** " (pid N)" from the holder's pid file, or nothing when it cannot be read. */
function holder(root: string): string {
  try {
    const pid = Number(readFileSync(path.join(root, 'agent.pid'), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? ` (pid ${pid})` : '';
  } catch {
    // No pid file yet (the holder is just starting): the message goes without a pid.
    return '';
  }
}
