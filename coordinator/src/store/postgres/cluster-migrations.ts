/**
 * The tables only several coordinators on one database need (PostgreSQL only, a migration track
 * of its own): the nodes, the deployment leases with their fencing epochs, where each agent is
 * connected, and the messages one node leaves for an agent connected to another. Times here are
 * the server's (timestamptz, now()), so no coordinator's clock decides whether a lease expired.
 */
import type { Migration } from './migrations.ts';

export const CLUSTER_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'nodes, leases, presence, messages',
    sql: `
      CREATE TABLE coordinator_nodes (
        node_id       text PRIMARY KEY,
        name          text NOT NULL,
        api_url       text,
        pid           integer,
        started_at    timestamptz NOT NULL DEFAULT now(),
        heartbeat_at  timestamptz NOT NULL DEFAULT now(),
        stopped_at    timestamptz,
        agents        integer NOT NULL DEFAULT 0      -- agents connected, as of heartbeat_at
      );
      -- One row per deployment a node drives (or drove): epoch rises with every change of hands,
      -- and every write of the deployment checks that its writer still holds that epoch.
      CREATE TABLE deployment_leases (
        deployment_id text PRIMARY KEY REFERENCES deployments(deployment_id),
        node_id       text,                             -- NULL: released (the deployment ended)
        epoch         bigint NOT NULL,
        acquired_at   timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz NOT NULL
      );
      CREATE INDEX deployment_leases_by_node ON deployment_leases(node_id) WHERE node_id IS NOT NULL;
      -- Which node holds each agent's socket, refreshed in batches; stale rows mean offline.
      CREATE TABLE agent_presence (
        instance_id   text PRIMARY KEY,
        node_id       text NOT NULL,
        seen_at       timestamptz NOT NULL
      );
      CREATE INDEX agent_presence_by_node ON agent_presence(node_id);
      -- Commands and cancels for an agent connected to another node; its node takes and sends
      -- them (NOTIFY carries only a wake-up, never a message).
      CREATE TABLE node_messages (
        message_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        instance_id   text NOT NULL,
        kind          text NOT NULL,                    -- command | cancel
        body          text NOT NULL,                    -- JSON body of the frame
        created_at    timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX node_messages_by_instance ON node_messages(instance_id, message_id);
    `,
  },
];
