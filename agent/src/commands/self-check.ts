/**
 * `deckhand-agent self-check`: proves this agent can run on this Node.js, by opening an
 * in-memory SQLite database through the driver the journal uses. The installers run it before
 * switching to a new release; exit 0 and one line naming the driver, else 1 and why.
 */
import { openSqlite, sqlitePackageFor } from '../../../common/src/sqlite.ts';
import { AGENT_VERSION } from '../version.ts';

/** Runs the check; resolves to the exit code. */
export function selfCheckCommand(out: (line: string) => void, err: (line: string) => void): number {
  const driver = sqlitePackageFor(Number(process.versions.node.split('.')[0]));
  try {
    const db = openSqlite(':memory:');
    const { version } = db.prepare('SELECT sqlite_version() AS version').get() as { version: string };
    db.close();
    out(`deckhand-agent ${AGENT_VERSION} runs on Node.js ${process.version} with ${driver} (SQLite ${version})`);
    return 0;
  } catch (e) {
    err(`deckhand-agent cannot open its journal on Node.js ${process.version}: ${driver} did not load: ${(e as Error).message}`);
    return 1;
  }
}
