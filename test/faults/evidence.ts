/**
 * What the invariants are checked against, read straight from the real artefacts: the
 * coordinator's store, each agent's journal (read-only, while the agent may be running), the
 * hooks' own log lines and the installed files.
 */
import { openSqlite, type SqliteDatabase } from '../../common/src/sqlite.ts';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One lifecycle event as a store or journal row. */
export interface EventRow {
  event: string;
  status: string;
  errorCode: string | null;
  startedAt: string | null;
  endedAt: string | null;
}

/** The coordinator's record of one host of a deployment. */
export interface CoordTarget {
  instanceId: string;
  status: string;
  batch: number | null;
  errorCode: string | null;
  events: Map<string, EventRow>;
}

/** The coordinator's record of a deployment. */
export interface CoordDeployment {
  status: string;
  targets: CoordTarget[];
}

/** One agent journal's record of a deployment, plus its delivery state. */
export interface JournalView {
  deploymentStatus: string | undefined;
  events: Map<string, EventRow>;
  lastSeq: number;
  /** Rows not yet acknowledged. */
  outboxRows: number;
  integrity: string;
}

function openReadOnly(file: string): SqliteDatabase {
  return openSqlite(file, { readonly: true, fileMustExist: true, timeout: 5000 });
}

function toEvent(r: Record<string, string | null>): EventRow {
  return { event: r['event']!, status: r['status']!, errorCode: r['error_code'] ?? null, startedAt: r['started_at'] ?? null, endedAt: r['ended_at'] ?? null };
}

/** Reads a deployment, its targets and their events from the coordinator's store. */
export function readCoordinator(dataDir: string, deploymentId: string): CoordDeployment | undefined {
  const db = openReadOnly(path.join(dataDir, 'coordinator.db'));
  try {
    const d = db.prepare('SELECT status FROM deployments WHERE deployment_id = ?').get(deploymentId) as { status: string } | undefined;
    if (!d) return undefined;
    const targets = db
      .prepare('SELECT instance_id, status, batch, error_code FROM deployment_targets WHERE deployment_id = ? ORDER BY position')
      .all(deploymentId) as { instance_id: string; status: string; batch: number | null; error_code: string | null }[];
    const events = db
      .prepare('SELECT instance_id, event, status, error_code, started_at, ended_at FROM target_events WHERE deployment_id = ?')
      .all(deploymentId) as Record<string, string | null>[];
    return {
      status: d.status,
      targets: targets.map((t) => ({
        instanceId: t.instance_id,
        status: t.status,
        batch: t.batch,
        errorCode: t.error_code,
        events: new Map(events.filter((e) => e['instance_id'] === t.instance_id).map((e) => [e['event']!, toEvent(e)])),
      })),
    };
  } finally {
    db.close();
  }
}

/** The cursor of applied agent events the coordinator holds for an instance. */
export function lastAppliedSeq(dataDir: string, instanceId: string): number {
  const db = openReadOnly(path.join(dataDir, 'coordinator.db'));
  try {
    const r = db.prepare('SELECT last_applied_seq AS s FROM instances WHERE instance_id = ?').get(instanceId) as { s: number } | undefined;
    return r?.s ?? -1;
  } finally {
    db.close();
  }
}

/** Reads one deployment and the outbox state from an agent's journal. */
export function readJournal(agentRoot: string, deploymentId: string): JournalView {
  const db = openReadOnly(path.join(agentRoot, 'agent.db'));
  try {
    const d = db.prepare('SELECT status FROM deployments WHERE deployment_id = ?').get(deploymentId) as { status: string } | undefined;
    const events = db
      .prepare('SELECT event, status, error_code, started_at, ended_at FROM events WHERE deployment_id = ?')
      .all(deploymentId) as Record<string, string | null>[];
    const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as { seq: number } | undefined;
    // Acknowledged rows stay a while (to send again to a coordinator that lost them): count the rest.
    const rows = db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE acked = 0').get() as { n: number };
    return {
      deploymentStatus: d?.status,
      events: new Map(events.map((e) => [e['event']!, toEvent(e)])),
      lastSeq: seq?.seq ?? 0,
      outboxRows: rows.n,
      integrity: String(db.pragma('integrity_check', { simple: true })),
    };
  } finally {
    db.close();
  }
}

/** The in-progress event of the journal's running deployment, or why nothing is running. */
export function journalPhase(agentRoot: string): string {
  const file = path.join(agentRoot, 'agent.db');
  if (!existsSync(file)) return 'no journal';
  const db = openReadOnly(file);
  try {
    const d = db.prepare("SELECT deployment_id FROM deployments WHERE status = 'running'").get() as { deployment_id: string } | undefined;
    if (!d) return 'idle';
    const e = db
      .prepare("SELECT event FROM events WHERE deployment_id = ? AND status = 'InProgress'")
      .get(d.deployment_id) as { event: string } | undefined;
    return e ? `in ${e.event}` : 'between events';
  } finally {
    db.close();
  }
}

/** One line of a host's hooks.log. */
export interface HookLine {
  kind: 'start' | 'end';
  event: string;
  deploymentId: string;
  run: string;
}

/** The hook runs a host recorded for a deployment. */
export function hookLines(agentRoot: string, deploymentId: string): HookLine[] {
  const file = path.join(agentRoot, 'hooks.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [kind, event, id, run] = l.split(' ');
      return { kind: kind as HookLine['kind'], event: event ?? '', deploymentId: id ?? '', run: run ?? '' };
    })
    .filter((l) => l.deploymentId === deploymentId);
}

/** The marker of the revision installed on a host (undefined when none is). */
export function installedMarker(destRoot: string): string | undefined {
  const file = path.join(destRoot, 'srv', 'app', 'version.txt');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
