/**
 * Hook output in PostgreSQL (store/logs.ts has the repository's contract; sqlite/logs.ts the
 * same steps). Coordinators store a deployment's lines side by side here, so an append first
 * locks the deployment's deployment_logs row: appends of one deployment take turns, each takes
 * the next cursors and commits before the next can, and a reader following `cursor > N` never
 * sees a line appear behind one it already read (nor two appends the same cursor).
 */
import type { DeploymentLogRecord, LogAppend, LogAppendResult, LogLineRecord, LogQuery, LogStreamRecord } from '../logs.ts';
import type { Param, Sql } from './sql.ts';

interface BudgetRow {
  next_cursor: number;
  bytes: number;
  expired_at: string | null;
}

async function isTarget(q: Sql, deploymentId: string, instanceId: string): Promise<boolean> {
  return (await q.one('SELECT 1 AS x FROM deployment_targets WHERE deployment_id = $1 AND instance_id = $2', [deploymentId, instanceId])) !== undefined;
}

/** The deployment's log row, made if missing, locked until the unit of work ends. */
async function lockedBudget(q: Sql, deploymentId: string): Promise<BudgetRow> {
  await q.run('INSERT INTO deployment_logs (deployment_id) VALUES ($1) ON CONFLICT (deployment_id) DO NOTHING', [deploymentId]);
  return (await q.one<BudgetRow>('SELECT next_cursor, bytes, expired_at FROM deployment_logs WHERE deployment_id = $1 FOR UPDATE', [deploymentId])) as BudgetRow;
}

async function throughOf(q: Sql, input: LogAppend): Promise<number> {
  const row = await q.one<{ through: number }>('SELECT held_through AS through FROM log_streams WHERE deployment_id = $1 AND instance_id = $2 AND event = $3', [
    input.deploymentId,
    input.instanceId,
    input.lifecycleEvent,
  ]);
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
export async function appendLogLines(q: Sql, input: LogAppend, maxBytes: number): Promise<LogAppendResult> {
  if (!(await isTarget(q, input.deploymentId, input.instanceId))) return { status: 'refused', reason: 'the deployment does not target this instance' };
  // The lock first: what is held of the stream is read under it.
  const budget = await lockedBudget(q, input.deploymentId);
  const through = await throughOf(q, input);
  const first = input.seq ?? through + 1;
  if (first > through + 1) return { status: 'stored', through, kept: 0, cut: 0 };
  const skip = through + 1 - first;
  if (skip >= input.lines.length) return { status: 'stored', through, kept: 0, cut: 0 };
  const room = budget.expired_at === null ? Math.max(0, maxBytes - budget.bytes) : 0;
  const { count, size } = fitting(input.bytes, skip, room);
  if (count > 0) {
    const kept = input.lines.slice(skip, skip + count);
    await q.run(
      `INSERT INTO log_lines (deployment_id, cursor, instance_id, event, seq, at, stream, text)
       SELECT $1, $2::bigint + x.n - 1, $3, $4, $5::bigint + x.n - 1, x.at, x.stream, x.text
       FROM unnest($6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS x(at, stream, text, n)`,
      [input.deploymentId, budget.next_cursor, input.instanceId, input.lifecycleEvent, first + skip, kept.map((l) => l.at), kept.map((l) => l.stream), kept.map((l) => l.text)],
    );
  }
  const cut = input.lines.length - skip - count;
  const cutBytes = input.bytes.slice(skip + count).reduce((a, b) => a + b, 0);
  const newThrough = first + input.lines.length - 1;
  await q.run('UPDATE deployment_logs SET next_cursor = next_cursor + $1, bytes = bytes + $2 WHERE deployment_id = $3', [count, size, input.deploymentId]);
  await q.run(
    `INSERT INTO log_streams AS s (deployment_id, instance_id, event, held_through, lines, bytes, cut_lines, cut_bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (deployment_id, instance_id, event) DO UPDATE SET held_through = EXCLUDED.held_through, lines = s.lines + EXCLUDED.lines,
       bytes = s.bytes + EXCLUDED.bytes, cut_lines = s.cut_lines + EXCLUDED.cut_lines, cut_bytes = s.cut_bytes + EXCLUDED.cut_bytes`,
    [input.deploymentId, input.instanceId, input.lifecycleEvent, newThrough, count, size, cut, cutBytes],
  );
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
export async function readLogLines(q: Sql, query: LogQuery): Promise<LogLineRecord[]> {
  const args: Param[] = [query.deploymentId, query.after];
  const where = ['l.deployment_id = $1', 'l.cursor > $2'];
  if (query.instanceId !== undefined) {
    args.push(query.instanceId);
    where.push(`l.instance_id = $${args.length}`);
  }
  if (query.lifecycleEvent !== undefined) {
    args.push(query.lifecycleEvent);
    where.push(`l.event = $${args.length}`);
  }
  args.push(query.limit);
  const rows = await q.rows<RawLine>(
    `SELECT l.cursor, l.instance_id, i.hostname, l.event, l.seq, l.at, l.stream, l.text FROM log_lines l
     LEFT JOIN instances i ON i.instance_id = l.instance_id
     WHERE ${where.join(' AND ')} ORDER BY l.cursor LIMIT $${args.length}`,
    args,
  );
  return rows.map((r) => ({ cursor: r.cursor, instanceId: r.instance_id, hostname: r.hostname ?? '', lifecycleEvent: r.event, seq: r.seq, at: r.at, stream: r.stream, text: r.text }));
}

/** {@inheritDoc LogRepository.cutStreams} */
export async function cutLogStreams(q: Sql, deploymentId: string): Promise<LogStreamRecord[]> {
  const rows = await q.rows<{ instance_id: string; event: string; through: number; lines: number; bytes: number; cut_lines: number; cut_bytes: number }>(
    `SELECT instance_id, event, held_through AS through, lines, bytes, cut_lines, cut_bytes FROM log_streams
     WHERE deployment_id = $1 AND cut_lines > 0 ORDER BY instance_id, event`,
    [deploymentId],
  );
  return rows.map((r) => ({ instanceId: r.instance_id, lifecycleEvent: r.event, through: r.through, lines: r.lines, bytes: r.bytes, cutLines: r.cut_lines, cutBytes: r.cut_bytes }));
}

/** {@inheritDoc LogRepository.summary} */
export async function deploymentLogSummary(q: Sql, deploymentId: string): Promise<DeploymentLogRecord | undefined> {
  const row = await q.one<BudgetRow>('SELECT next_cursor, bytes, expired_at FROM deployment_logs WHERE deployment_id = $1', [deploymentId]);
  if (!row) return undefined;
  return { bytes: row.bytes, lastCursor: row.next_cursor - 1, ...(row.expired_at === null ? {} : { expiredAt: row.expired_at }) };
}

/** {@inheritDoc LogRepository.expire} */
export async function expireLogLines(q: Sql, before: string, limit: number, at: string): Promise<number> {
  let deleted = 0;
  while (deleted < limit) {
    // SKIP LOCKED: a coordinator expiring the same deployment (or appending to it) is left to it.
    const old = await q.one<{ deployment_id: string }>(
      `SELECT g.deployment_id FROM deployment_logs g JOIN deployments d ON d.deployment_id = g.deployment_id
       WHERE g.expired_at IS NULL AND d.completed_at IS NOT NULL AND d.completed_at < $1 ORDER BY d.completed_at LIMIT 1 FOR UPDATE OF g SKIP LOCKED`,
      [before],
    );
    if (!old) break;
    const id = old.deployment_id;
    const low = await q.one<{ c: number | null }>('SELECT MIN(cursor) AS c FROM log_lines WHERE deployment_id = $1', [id]);
    if (low?.c === null || low === undefined) {
      await q.run('UPDATE deployment_logs SET expired_at = $1, bytes = 0 WHERE deployment_id = $2', [at, id]);
      continue;
    }
    deleted += await q.run('DELETE FROM log_lines WHERE deployment_id = $1 AND cursor < $2', [id, low.c + (limit - deleted)]);
  }
  return deleted;
}
