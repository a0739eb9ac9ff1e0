/**
 * What the coordinators on one PostgreSQL database share (store/cluster.ts has the contract):
 * nodes, deployment leases with fencing epochs, agent presence, messages between nodes, and
 * NOTIFY wake-ups. Lease and presence times are the server's clock (now()).
 */
import type { HeldLease, LeaseMode, NodeInfo, NodeMessage, NodeRow } from '../cluster.ts';
import type { Sql } from './sql.ts';

/** Records the node as started (or started again). */
export async function registerNode(q: Sql, node: NodeInfo): Promise<void> {
  await q.run(
    `INSERT INTO coordinator_nodes (node_id, name, api_url, pid) VALUES ($1, $2, $3, $4)
     ON CONFLICT (node_id) DO UPDATE SET name = EXCLUDED.name, api_url = EXCLUDED.api_url, pid = EXCLUDED.pid,
       started_at = now(), heartbeat_at = now(), stopped_at = NULL`,
    [node.nodeId, node.name, node.apiUrl ?? null, node.pid],
  );
}

/** The node is alive and has `agents` connected. */
export async function heartbeat(q: Sql, nodeId: string, agents: number): Promise<void> {
  await q.run('UPDATE coordinator_nodes SET heartbeat_at = now(), agents = $2 WHERE node_id = $1', [nodeId, agents]);
}

/** The node stopped in an orderly way: its leases go at once, its agents' presence too. */
export async function markStopped(q: Sql, nodeId: string): Promise<void> {
  await q.run('UPDATE coordinator_nodes SET stopped_at = now(), agents = 0 WHERE node_id = $1', [nodeId]);
  await q.run('UPDATE deployment_leases SET expires_at = now() WHERE node_id = $1', [nodeId]);
  await q.run('DELETE FROM agent_presence WHERE node_id = $1', [nodeId]);
}

interface RawNode {
  node_id: string;
  name: string;
  api_url: string | null;
  pid: number | null;
  started_at: Date;
  heartbeat_at: Date;
  stopped_at: Date | null;
  agents: number;
  leases: string[] | null;
  silent: number;
}

/** Every node, most recently heard from first, with the unexpired leases it holds. */
export async function listNodes(q: Sql): Promise<NodeRow[]> {
  const rows = await q.rows<RawNode>(
    `SELECT n.*, EXTRACT(EPOCH FROM now() - n.heartbeat_at)::float8 AS silent,
       (SELECT array_agg(l.deployment_id ORDER BY l.deployment_id) FROM deployment_leases l
        WHERE l.node_id = n.node_id AND l.expires_at > now()) AS leases
     FROM coordinator_nodes n ORDER BY n.heartbeat_at DESC, n.node_id`,
  );
  return rows.map((r) => {
    const row: NodeRow = {
      nodeId: r.node_id,
      name: r.name,
      pid: r.pid ?? 0,
      startedAt: r.started_at.toISOString(),
      heartbeatAt: r.heartbeat_at.toISOString(),
      agents: r.agents,
      leases: r.leases ?? [],
      silentSeconds: r.silent,
    };
    if (r.api_url !== null) row.apiUrl = r.api_url;
    if (r.stopped_at !== null) row.stoppedAt = r.stopped_at.toISOString();
    return row;
  });
}

/** Takes the lease when free, expired or already this node's (any holder in `steal` mode); the new epoch, or undefined. */
export async function acquireLease(q: Sql, deploymentId: string, nodeId: string, ttlMs: number, mode: LeaseMode): Promise<number | undefined> {
  const r = await q.one<{ epoch: number }>(
    `INSERT INTO deployment_leases AS l (deployment_id, node_id, epoch, expires_at)
     VALUES ($1, $2, 1, now() + $3::float8 * interval '1 millisecond')
     ON CONFLICT (deployment_id) DO UPDATE SET node_id = $2, epoch = l.epoch + 1, acquired_at = now(), expires_at = EXCLUDED.expires_at
       WHERE $4::boolean OR l.node_id IS NULL OR l.node_id = $2 OR l.expires_at <= now()
     RETURNING l.epoch`,
    [deploymentId, nodeId, ttlMs, mode === 'steal'],
  );
  return r?.epoch;
}

/**
 * True when the node still holds the lease at `epoch`; the row stays locked for the unit of work,
 * so no other node takes the lease meanwhile, and two units of work of this node about the same
 * deployment take turns.
 */
export async function holdsLease(q: Sql, deploymentId: string, nodeId: string, epoch: number): Promise<boolean> {
  const r = await q.one('SELECT 1 FROM deployment_leases WHERE deployment_id = $1 AND node_id = $2 AND epoch = $3 FOR NO KEY UPDATE', [deploymentId, nodeId, epoch]);
  return r !== undefined;
}

/**
 * Extends the node's leases; one in use by a unit of work right now is skipped (it is alive, and
 * waiting for its lock could deadlock with that unit of work), and extended next time.
 */
export async function renewLeases(q: Sql, nodeId: string, ttlMs: number): Promise<HeldLease[]> {
  await q.run(
    `UPDATE deployment_leases SET expires_at = now() + $2::float8 * interval '1 millisecond'
     WHERE deployment_id IN (SELECT deployment_id FROM deployment_leases WHERE node_id = $1 FOR UPDATE SKIP LOCKED)`,
    [nodeId, ttlMs],
  );
  const rows = await q.rows<{ deployment_id: string; epoch: number }>('SELECT deployment_id, epoch FROM deployment_leases WHERE node_id = $1', [nodeId]);
  return rows.map((r) => ({ deploymentId: r.deployment_id, epoch: r.epoch }));
}

/** Gives the lease up; the epoch stays, so a later holder's is still higher. */
export async function releaseLease(q: Sql, deploymentId: string, nodeId: string): Promise<void> {
  await q.run('UPDATE deployment_leases SET node_id = NULL, expires_at = now() WHERE deployment_id = $1 AND node_id = $2', [deploymentId, nodeId]);
}

/** Running deployments nobody drives, oldest first, locked; those another node is claiming are skipped. */
export async function claimOrphans(q: Sql, limit: number): Promise<string[]> {
  const rows = await q.rows<{ deployment_id: string }>(
    `SELECT d.deployment_id FROM deployments d LEFT JOIN deployment_leases l ON l.deployment_id = d.deployment_id
     WHERE d.status IN ('Created', 'InProgress') AND (l.deployment_id IS NULL OR l.node_id IS NULL OR l.expires_at <= now())
     ORDER BY d.created_at, d.rowid LIMIT $1 FOR UPDATE OF d SKIP LOCKED`,
    [limit],
  );
  return rows.map((r) => r.deployment_id);
}

/** Marks agents connected to the node now, and those `gone` (from this node) as no longer. */
export async function writePresence(q: Sql, nodeId: string, seen: readonly string[], gone: readonly string[]): Promise<void> {
  if (gone.length > 0) await q.run('DELETE FROM agent_presence WHERE node_id = $1 AND instance_id = ANY($2::text[])', [nodeId, gone]);
  if (seen.length === 0) return;
  await q.run(
    `INSERT INTO agent_presence (instance_id, node_id, seen_at) SELECT id, $1, now() FROM unnest($2::text[]) AS id
     ON CONFLICT (instance_id) DO UPDATE SET node_id = EXCLUDED.node_id, seen_at = EXCLUDED.seen_at`,
    [nodeId, seen],
  );
}

/** Every agent some node saw within `windowMs`, with that node. */
export async function presence(q: Sql, windowMs: number): Promise<Map<string, string>> {
  const rows = await q.rows<{ instance_id: string; node_id: string }>(
    `SELECT instance_id, node_id FROM agent_presence WHERE seen_at > now() - $1::float8 * interval '1 millisecond'`,
    [windowMs],
  );
  return new Map(rows.map((r) => [r.instance_id, r.node_id]));
}

/** Leaves messages for agents, and wakes the nodes (the payload is the agent's id). */
export async function enqueueMessages(q: Sql, messages: readonly Omit<NodeMessage, 'messageId'>[]): Promise<void> {
  if (messages.length === 0) return;
  await q.run(
    `WITH m AS (INSERT INTO node_messages (instance_id, kind, body)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) RETURNING instance_id)
     SELECT pg_notify('deckhand_messages', instance_id) FROM (SELECT DISTINCT instance_id FROM m) d`,
    [messages.map((m) => m.instanceId), messages.map((m) => m.kind), messages.map((m) => m.body)],
  );
}

/** Takes the waiting messages of these agents, oldest first; another node taking them at once gets none of the same. */
export async function takeMessages(q: Sql, instanceIds: readonly string[]): Promise<NodeMessage[]> {
  if (instanceIds.length === 0) return [];
  const rows = await q.rows<{ message_id: number; instance_id: string; kind: 'command' | 'cancel'; body: string }>(
    `DELETE FROM node_messages WHERE message_id IN (
       SELECT message_id FROM node_messages WHERE instance_id = ANY($1::text[]) ORDER BY message_id FOR UPDATE SKIP LOCKED)
     RETURNING message_id, instance_id, kind, body`,
    [instanceIds],
  );
  return rows
    .sort((a, b) => a.message_id - b.message_id)
    .map((r) => ({ messageId: r.message_id, instanceId: r.instance_id, kind: r.kind, body: r.body }));
}

/** Drops messages older than `ageMs`. */
export async function pruneMessages(q: Sql, ageMs: number): Promise<number> {
  return q.run(`DELETE FROM node_messages WHERE created_at < now() - $1::float8 * interval '1 millisecond'`, [ageMs]);
}

/** NOTIFY `channel` with `payload`; delivered when the surrounding transaction commits. */
export async function notify(q: Sql, channel: string, payload: string): Promise<void> {
  await q.one('SELECT pg_notify($1, $2)', [channel, payload]);
}
