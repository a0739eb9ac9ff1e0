/**
 * The store commands of deckhand-coordinator, as printed lines: `migrate-store` (its report)
 * and `nodes` (the coordinators sharing a PostgreSQL store, their leases and agents).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NodeRow } from '../store/cluster.ts';
import type { Printed } from './maintenance.ts';

/** The rows each table holds after a migration, and their checksums. */
export interface MigratedTable {
  table: string;
  rows: number;
  sha256: string;
}

/**
 * Why the SQLite coordinator of `dataDir` cannot be migrated now, if it cannot: no store there,
 * or its coordinator still runs (migrate-store copies a stopped one).
 */
export function migrationBlocker(dataDir: string): string | undefined {
  const file = path.join(dataDir, 'coordinator.db');
  if (!existsSync(file)) return `no SQLite store at ${file}`;
  const info = path.join(dataDir, 'coordinator.json');
  if (!existsSync(info)) return undefined;
  let pid: unknown;
  try {
    pid = (JSON.parse(readFileSync(info, 'utf8')) as { pid?: unknown }).pid;
  } catch {
    // A torn or foreign file says nothing about a running coordinator.
    return undefined;
  }
  if (typeof pid !== 'number' || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    // No such process: the coordinator that wrote the file is gone.
    return undefined;
  }
  return `the coordinator of ${dataDir} still runs (pid ${pid}): stop it first, migrate-store copies a stopped store`;
}

/** The report of a finished migration. */
export function migrationReport(tables: readonly MigratedTable[], target: string): Printed {
  const width = Math.max(...tables.map((t) => t.table.length));
  const out = tables.map((t) => `${t.table.padEnd(width)}  ${String(t.rows).padStart(8)} rows  sha256 ${t.sha256}`);
  out.push(`copied and verified into ${target}: every table has the same rows and checksum on both sides`);
  return { out, err: [], code: 0 };
}

/** `nodes`: one line per coordinator (or JSON). */
export function nodesReport(nodes: readonly NodeRow[], json: boolean): Printed {
  if (json) return { out: [JSON.stringify(nodes, null, 2)], err: [], code: 0 };
  if (nodes.length === 0) return { out: ['no coordinator has started on this store'], err: [], code: 0 };
  const out = nodes.map((n) => {
    const state = n.stoppedAt ? `stopped ${n.stoppedAt}` : n.silentSeconds > 30 ? `silent ${Math.round(n.silentSeconds)}s` : 'alive';
    const leases = n.leases.length === 0 ? 'no leases' : `${n.leases.length} lease(s): ${n.leases.join(' ')}`;
    return `${n.name}  ${n.nodeId}  ${state}  pid ${n.pid}  ${n.agents} agent(s)  ${leases}${n.apiUrl ? `  ${n.apiUrl}` : ''}`;
  });
  return { out, err: [], code: 0 };
}
