/**
 * A large coordinator store made from a real one: every deployment of the store the runs filled,
 * copied `copies` times under new ids (with its targets, events and progress rows), so that the
 * start-up check and the backup are timed on a store of a long-lived coordinator's size. Rows
 * that triggers make (deployment_progress) are replaced by the copied ones.
 */
import { openSqlite } from '../../common/src/sqlite.ts';

/** Tables whose rows belong to one deployment; command ids are unique store-wide. */
function deploymentTables(db: ReturnType<typeof openSqlite>): { table: string; columns: string[] }[] {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
  const out: { table: string; columns: string[] }[] = [];
  for (const { name } of tables) {
    const columns = (db.pragma(`table_info(${name})`) as { name: string }[]).map((c) => c.name);
    if (columns.includes('deployment_id')) out.push({ table: name, columns });
  }
  // Parents first, so that foreign keys hold at every insert.
  const rank = (t: string): number => (t === 'deployments' ? 0 : t === 'deployment_targets' ? 1 : 2);
  return out.sort((a, b) => rank(a.table) - rank(b.table));
}

/** Copies the deployments of the store `to` (a copy made by the caller) `copies` times into it. */
export function growStore(to: string, copies: number): void {
  const db = openSqlite(to);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const tables = deploymentTables(db);
    for (let k = 1; k <= copies; k++) {
      db.transaction(() => {
        for (const { table, columns } of tables) {
          const select = columns.map((c) => (c === 'deployment_id' || c === 'command_id' ? `${c} || '-${k}'` : c)).join(', ');
          db.exec(`INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) SELECT ${select} FROM ${table} WHERE deployment_id NOT LIKE '%-%-%'`);
        }
      })();
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
