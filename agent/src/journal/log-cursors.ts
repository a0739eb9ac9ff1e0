/**
 * How far the coordinator has acknowledged each deployment's hook output (scripts.log), kept in
 * the journal so that an agent restarted mid-deployment sends on from there: the log file is the
 * record, the cursor only says where the coordinator's copy ends.
 */
import path from 'node:path';
import type { JournalDb } from './db.ts';

/** A place in a scripts.log: a byte offset at a line start, the event its lines belong to, and each event's last line number. */
export interface ShipPosition {
  offset: number;
  /** The event whose `LifecycleEvent - X` header came last before `offset`. */
  event?: string;
  /** Per lifecycle event: the seq of its last line before `offset` (0 or absent: none yet). */
  seqs: Record<string, number>;
}

/** A deployment whose log is not (yet) all acknowledged. */
export interface PendingLog {
  deploymentId: string;
  logFile: string;
  /** Where the coordinator's copy ends; the start of the file when nothing was acknowledged. */
  position: ShipPosition;
}

const START: ShipPosition = { offset: 0, seqs: {} };

/** scripts.log of the deployment whose unpacked revision is in `archiveDir`. */
export function logFileOf(archiveDir: string): string {
  return path.join(path.dirname(archiveDir), 'logs', 'scripts.log');
}

function parsePosition(text: string | null): ShipPosition {
  if (text === null) return { ...START, seqs: {} };
  const value = JSON.parse(text) as ShipPosition;
  return { offset: value.offset, seqs: { ...value.seqs }, ...(value.event === undefined ? {} : { event: value.event }) };
}

/** The journal's log_cursors table. */
export class LogCursors {
  constructor(private readonly db: JournalDb) {}

  /** Deployments whose log is not all acknowledged, oldest first. */
  pending(): PendingLog[] {
    const rows = this.db
      .prepare(
        `SELECT d.deployment_id, d.archive_dir, c.position FROM deployments d
         LEFT JOIN log_cursors c ON c.deployment_id = d.deployment_id
         WHERE c.done IS NULL OR c.done = 0 ORDER BY d.rowid`,
      )
      .all() as Array<{ deployment_id: string; archive_dir: string; position: string | null }>;
    return rows.map((r) => ({ deploymentId: r.deployment_id, logFile: logFileOf(r.archive_dir), position: parsePosition(r.position) }));
  }

  /** The pending log of one deployment; undefined when it is unknown or done. */
  pendingOf(deploymentId: string): PendingLog | undefined {
    return this.pending().find((p) => p.deploymentId === deploymentId);
  }

  /** True once the host's outcome of the deployment is journaled: its log grows no more. */
  isFinished(deploymentId: string): boolean {
    const row = this.db.prepare('SELECT status FROM deployments WHERE deployment_id = ?').get(deploymentId) as { status: string } | undefined;
    return row === undefined || row.status !== 'running';
  }

  /** Records how far the coordinator's copy goes; `done`: the whole log is there (or given up). */
  save(deploymentId: string, position: ShipPosition, at: Date, done = false): void {
    this.db
      .prepare(
        `INSERT INTO log_cursors (deployment_id, position, done, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (deployment_id) DO UPDATE SET position = excluded.position, done = excluded.done, updated_at = excluded.updated_at`,
      )
      .run(deploymentId, JSON.stringify(position), done ? 1 : 0, at.toISOString());
  }
}
