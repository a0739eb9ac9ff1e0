/**
 * Hook output in SQLite (store/logs.ts has the repository's contract). A deployment's lines are
 * numbered by deployment_logs.next_cursor, moved in the same transaction that stores them, so a
 * reader following `cursor > N` never sees a line appear behind one it already read.
 */
import type { DeploymentLogRecord, LogAppend, LogAppendResult, LogLineRecord, LogQuery, LogStreamRecord } from '../logs.ts';
import type { Db } from './db.ts';
import { prepared } from './statements.ts';

interface StreamRow {
  through: number;
}

interface BudgetRow {
  next_cursor: number;
  bytes: number;
  expired_at: string | null;
}

function isTarget(db: Db, deploymentId: string, instanceId: string): boolean {
  return prepared(db, 'SELECT 1 AS x FROM deployment_targets WHERE deployment_id = ? AND instance_id = ?').get(deploymentId, instanceId) !== undefined;
}

function budgetOf(db: Db, deploymentId: string): BudgetRow {
  prepared(db, 'INSERT INTO deployment_logs (deployment_id) VALUES (?) ON CONFLICT (deployment_id) DO NOTHING').run(deploymentId);
  return prepared(db, 'SELECT next_cursor, bytes, expired_at FROM deployment_logs WHERE deployment_id = ?').get(deploymentId) as BudgetRow;
}

function throughOf(db: Db, input: LogAppend): number {
  const row = prepared(db, 'SELECT held_through AS through FROM log_streams WHERE deployment_id = ? AND instance_id = ? AND event = ?').get(
    input.deploymentId,
    input.instanceId,
    input.lifecycleEvent,
  ) as StreamRow | undefined;
  return row?.through ?? 0;
}

/** How many of `bytes` (from `from`) fit in `room`: lines are kept whole, in order. */
function fitting(bytes: readonly number[], from: number, room: number): { count: number; size: number } {
  let size = 0;
  let i = from;
  while (i < bytes.length && size + (bytes[i] as number) <= room) size += bytes[i++] as number;
  return { count: i - from, size };
}

/** {@inheritDoc LogRepository.append} */
export function appendLogLines(db: Db, input: LogAppend, maxBytes: number): LogAppendResult {
  if (!isTarget(db, input.deploymentId, input.instanceId)) return { status: 'refused', reason: 'the deployment does not target this instance' };
  const through = throughOf(db, input);
  const first = input.seq ?? through + 1;
  if (first > through + 1) return { status: 'stored', through, kept: 0, cut: 0 };
  const skip = through + 1 - first;
  if (skip >= input.lines.length) return { status: 'stored', through, kept: 0, cut: 0 };
  const budget = budgetOf(db, input.deploymentId);
  const room = budget.expired_at === null ? Math.max(0, maxBytes - budget.bytes) : 0;
  const { count, size } = fitting(input.bytes, skip, room);
  const insert = prepared(db,
    `INSERT INTO log_lines (deployment_id, cursor, instance_id, event, seq, at, stream, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (let i = 0; i < count; i++) {
    const line = input.lines[skip + i]!;
    insert.run(input.deploymentId, budget.next_cursor + i, input.instanceId, input.lifecycleEvent, first + skip + i, line.at, line.stream, line.text);
  }
  const cut = input.lines.length - skip - count;
  const cutBytes = input.bytes.slice(skip + count).reduce((a, b) => a + b, 0);
  const newThrough = first + input.lines.length - 1;
  prepared(db, 'UPDATE deployment_logs SET next_cursor = next_cursor + ?, bytes = bytes + ? WHERE deployment_id = ?').run(count, size, input.deploymentId);
  prepared(db,
    `INSERT INTO log_streams (deployment_id, instance_id, event, held_through, lines, bytes, cut_lines, cut_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (deployment_id, instance_id, event) DO UPDATE SET held_through = excluded.held_through, lines = log_streams.lines + excluded.lines,
       bytes = log_streams.bytes + excluded.bytes, cut_lines = log_streams.cut_lines + excluded.cut_lines, cut_bytes = log_streams.cut_bytes + excluded.cut_bytes`,
  ).run(input.deploymentId, input.instanceId, input.lifecycleEvent, newThrough, count, size, cut, cutBytes);
  return { status: 'stored', through: newThrough, kept: count, cut, keptBytes: size };
}

interface RawLine {
  cursor: number;
  instance_id: string;
  hostname: string | null;
  event: string;
  seq: number;
  at: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** {@inheritDoc LogRepository.read} */
export function readLogLines(db: Db, q: LogQuery): LogLineRecord[] {
  const where = ['l.deployment_id = ?', 'l.cursor > ?'];
  const args: Array<string | number> = [q.deploymentId, q.after];
  if (q.instanceId !== undefined) {
    where.push('l.instance_id = ?');
    args.push(q.instanceId);
  }
  if (q.lifecycleEvent !== undefined) {
    where.push('l.event = ?');
    args.push(q.lifecycleEvent);
  }
  const rows = prepared(db,
    `SELECT l.cursor, l.instance_id, i.hostname, l.event, l.seq, l.at, l.stream, l.text FROM log_lines l
     LEFT JOIN instances i ON i.instance_id = l.instance_id
     WHERE ${where.join(' AND ')} ORDER BY l.cursor LIMIT ?`,
  ).all(...args, q.limit) as RawLine[];
  return rows.map((r) => ({
    cursor: r.cursor,
    instanceId: r.instance_id,
    hostname: r.hostname ?? '',
    lifecycleEvent: r.event,
    seq: r.seq,
    at: r.at,
    stream: r.stream,
    text: r.text,
  }));
}

/** {@inheritDoc LogRepository.cutStreams} */
export function cutLogStreams(db: Db, deploymentId: string): LogStreamRecord[] {
  const rows = prepared(db,
    `SELECT instance_id, event, held_through AS through, lines, bytes, cut_lines, cut_bytes FROM log_streams WHERE deployment_id = ? AND cut_lines > 0 ORDER BY instance_id, event`,
  ).all(deploymentId) as Array<{ instance_id: string; event: string; through: number; lines: number; bytes: number; cut_lines: number; cut_bytes: number }>;
  return rows.map((r) => ({
    instanceId: r.instance_id,
    lifecycleEvent: r.event,
    through: r.through,
    lines: r.lines,
    bytes: r.bytes,
    cutLines: r.cut_lines,
    cutBytes: r.cut_bytes,
  }));
}

/** {@inheritDoc LogRepository.summary} */
export function deploymentLogSummary(db: Db, deploymentId: string): DeploymentLogRecord | undefined {
  const row = prepared(db, 'SELECT next_cursor, bytes, expired_at FROM deployment_logs WHERE deployment_id = ?').get(deploymentId) as BudgetRow | undefined;
  if (!row) return undefined;
  return { bytes: row.bytes, lastCursor: row.next_cursor - 1, ...(row.expired_at === null ? {} : { expiredAt: row.expired_at }) };
}

/** {@inheritDoc LogRepository.expire} */
export function expireLogLines(db: Db, before: string, limit: number, at: string): number {
  let deleted = 0;
  while (deleted < limit) {
    const old = prepared(db,
      `SELECT g.deployment_id FROM deployment_logs g JOIN deployments d ON d.deployment_id = g.deployment_id
       WHERE g.expired_at IS NULL AND d.completed_at IS NOT NULL AND d.completed_at < ? ORDER BY d.completed_at LIMIT 1`,
    ).get(before) as { deployment_id: string } | undefined;
    if (!old) break;
    const id = old.deployment_id;
    const low = prepared(db, 'SELECT MIN(cursor) AS c FROM log_lines WHERE deployment_id = ?').get(id) as { c: number | null };
    if (low.c === null) {
      prepared(db, 'UPDATE deployment_logs SET expired_at = ?, bytes = 0 WHERE deployment_id = ?').run(at, id);
      continue;
    }
    deleted += prepared(db, 'DELETE FROM log_lines WHERE deployment_id = ? AND cursor < ?').run(id, low.c + (limit - deleted)).changes;
  }
  return deleted;
}
