/**
 * The journal's schema as an append-only list of steps; step i brings `user_version` from i to
 * i + 1. Never edit a released step: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE identity (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    instance_id     TEXT NOT NULL,
    coordinator_url TEXT NOT NULL,
    hostname        TEXT NOT NULL,
    tags            TEXT NOT NULL,
    registered_at   TEXT NOT NULL
  );
  CREATE TABLE commands (
    command_id    TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL,
    body          TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('received', 'running', 'done'))
  );
  CREATE TABLE deployments (
    deployment_id       TEXT PRIMARY KEY,
    deployment_group_id TEXT NOT NULL,
    command_id          TEXT NOT NULL,
    status              TEXT NOT NULL,
    archive_dir         TEXT NOT NULL,
    started_at          TEXT NOT NULL,
    ended_at            TEXT
  );
  CREATE TABLE events (
    deployment_id TEXT NOT NULL,
    event         TEXT NOT NULL,
    status        TEXT NOT NULL,
    error_code    TEXT,
    message       TEXT,
    script_name   TEXT,
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    PRIMARY KEY (deployment_id, event)
  );
  -- AUTOINCREMENT, not a plain rowid: once every row is acked and deleted a plain rowid would
  -- restart at 1, and the coordinator would drop the new events as duplicates of old seqs.
  CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE group_revisions (
    deployment_group_id           TEXT PRIMARY KEY,
    last_successful_dir           TEXT,
    last_successful_deployment_id TEXT,
    most_recent_dir               TEXT
  );
  `,
  // Restart and reboot recovery: which script of the event is running, its process (pid and
  // kernel start time, to tell it from a reused pid), its deadline, and a pending reboot.
  `
  ALTER TABLE events ADD COLUMN script_index INTEGER;
  ALTER TABLE events ADD COLUMN hook_pid INTEGER;
  ALTER TABLE events ADD COLUMN hook_start_time TEXT;
  ALTER TABLE events ADD COLUMN hook_deadline TEXT;
  ALTER TABLE events ADD COLUMN reboot_boot_id TEXT;
  `,
  // Trust in the coordinator: the CA pinned at registration (its certificate, so every
  // connection verifies against it alone) and the coordinator's command-signing public keys.
  `
  ALTER TABLE identity ADD COLUMN ca_sha256 TEXT;
  ALTER TABLE identity ADD COLUMN ca_pem TEXT;
  CREATE TABLE coordinator_keys (
    key_id     TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    added_at   TEXT NOT NULL
  );
  `,
  // Signed revisions: the highest counter installed per application (anti-rollback).
  `
  CREATE TABLE revision_counters (
    application TEXT PRIMARY KEY,
    counter     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL
  );
  `,
  // Coordinator frames refused for a bad signature: what was refused, when and why.
  `
  CREATE TABLE refusals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    frame_type    TEXT NOT NULL,
    command_id    TEXT,
    deployment_id TEXT,
    code          TEXT NOT NULL,
    message       TEXT NOT NULL,
    at            TEXT NOT NULL
  );
  `,
  // Hook output shipped to the coordinator: how far into each deployment's scripts.log the
  // coordinator has acknowledged. Deployments from before this step are marked done, so an
  // upgraded agent does not send old logs.
  `
  CREATE TABLE log_cursors (
    deployment_id TEXT PRIMARY KEY,
    position      TEXT NOT NULL,
    done          INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT NOT NULL
  );
  INSERT INTO log_cursors (deployment_id, position, done, updated_at)
    SELECT deployment_id, '{"offset":0,"seqs":{}}', 1, started_at FROM deployments;
  `,
  // Resynchronisation with the coordinator: acknowledged rows are kept a while (marked, not
  // deleted) so a coordinator that lost commits can have them again; the highest seq ever
  // acknowledged; and the journal's epochs (one per run of the agent, with its first seq).
  `
  ALTER TABLE outbox ADD COLUMN acked INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX outbox_unacked ON outbox (acked, seq);
  CREATE TABLE outbox_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    acked_through INTEGER NOT NULL
  );
  INSERT INTO outbox_state (id, acked_through) VALUES (1, COALESCE(
    (SELECT MIN(seq) - 1 FROM outbox),
    (SELECT seq FROM sqlite_sequence WHERE name = 'outbox'),
    0));
  CREATE TABLE journal_epochs (
    id        TEXT PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    opened_at TEXT NOT NULL
  );
  `,
  // Several coordinators sharing one store: every URL the agent may use, in order (JSON list;
  // NULL: coordinator_url alone).
  `
  ALTER TABLE identity ADD COLUMN coordinator_urls TEXT;
  `,
];
