/**
 * The coordinator's schema, as an ordered list of migrations. A migration is never edited once
 * released: add a new one. Times are ISO-8601 UTC strings; JSON columns hold validated values.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE api_tokens (
        token_id    TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        hash        TEXT NOT NULL UNIQUE,           -- sha256 hex of the secret; the secret is never stored
        created_at  TEXT NOT NULL
      );
      CREATE TABLE applications (
        application_id TEXT PRIMARY KEY,
        name           TEXT NOT NULL UNIQUE,
        created_at     TEXT NOT NULL
      );
      CREATE TABLE deployment_groups (
        deployment_group_id    TEXT PRIMARY KEY,
        application_id         TEXT NOT NULL REFERENCES applications(application_id),
        name                   TEXT NOT NULL,
        tag_filters            TEXT NOT NULL,         -- JSON TagFilter[]
        deployment_config_name TEXT NOT NULL,
        last_successful_deployment_id TEXT,
        created_at             TEXT NOT NULL,
        UNIQUE (application_id, name)
      );
      CREATE TABLE revisions (
        revision_id    TEXT PRIMARY KEY,
        application_id TEXT NOT NULL REFERENCES applications(application_id),
        sha256         TEXT NOT NULL,                 -- content address in the artifact store
        size           INTEGER NOT NULL,
        bundle_type    TEXT NOT NULL,                 -- tar | tgz | zip
        description    TEXT,
        created_at     TEXT NOT NULL
      );
      CREATE TABLE registration_tokens (
        token_id   TEXT PRIMARY KEY,
        hash       TEXT NOT NULL UNIQUE,
        expires_at TEXT NOT NULL,
        max_uses   INTEGER,                            -- NULL: no limit
        uses       INTEGER NOT NULL DEFAULT 0,
        tags       TEXT NOT NULL,                      -- JSON Tags given to every host registering with it
        created_at TEXT NOT NULL
      );
      CREATE TABLE instances (
        instance_id      TEXT PRIMARY KEY,
        hostname         TEXT NOT NULL,
        public_key       TEXT NOT NULL,                -- Ed25519 SPKI PEM; the private key never leaves the host
        tags             TEXT NOT NULL,                -- JSON Tags
        registered_at    TEXT NOT NULL,
        last_seen        TEXT,
        agent_version    TEXT,
        inventory        TEXT,                         -- JSON Inventory
        last_applied_seq INTEGER NOT NULL DEFAULT 0    -- highest agent outbox seq applied (exactly-once intake)
      );
      CREATE TABLE deployments (
        deployment_id      TEXT PRIMARY KEY,
        application_id     TEXT NOT NULL REFERENCES applications(application_id),
        deployment_group_id TEXT NOT NULL REFERENCES deployment_groups(deployment_group_id),
        revision_id        TEXT NOT NULL REFERENCES revisions(revision_id),
        deployment_config_name TEXT NOT NULL,
        status             TEXT NOT NULL,
        creator            TEXT NOT NULL,
        file_exists_behavior TEXT NOT NULL,
        ignore_application_stop_failures INTEGER NOT NULL,
        parameters         TEXT NOT NULL,              -- JSON Record<string,string>
        description        TEXT,
        error_code         TEXT,
        error_message      TEXT,
        created_at         TEXT NOT NULL,
        started_at         TEXT,
        completed_at       TEXT
      );
      CREATE INDEX deployments_by_group ON deployments(deployment_group_id, status);
      CREATE TABLE deployment_targets (
        deployment_id TEXT NOT NULL REFERENCES deployments(deployment_id),
        instance_id   TEXT NOT NULL REFERENCES instances(instance_id),
        position      INTEGER NOT NULL,                -- order in which hosts are taken
        status        TEXT NOT NULL,                   -- InstanceStatus
        batch         INTEGER,                         -- set when dispatched
        command_id    TEXT UNIQUE,                     -- set when dispatched
        command_acked INTEGER NOT NULL DEFAULT 0,
        error_code    TEXT,
        message       TEXT,
        started_at    TEXT,
        updated_at    TEXT,
        PRIMARY KEY (deployment_id, instance_id)
      );
      CREATE TABLE target_events (
        deployment_id TEXT NOT NULL,
        instance_id   TEXT NOT NULL,
        event         TEXT NOT NULL,
        position      INTEGER NOT NULL,
        status        TEXT NOT NULL,                   -- LifecycleEventStatus
        error_code    TEXT,
        script_name   TEXT,
        message       TEXT,
        log_tail      TEXT,
        started_at    TEXT,
        ended_at      TEXT,
        PRIMARY KEY (deployment_id, instance_id, event),
        FOREIGN KEY (deployment_id, instance_id) REFERENCES deployment_targets(deployment_id, instance_id)
      );
    `,
  },
  {
    version: 2,
    name: 'fleet orchestration',
    sql: `
      CREATE TABLE deployment_configs (
        name                  TEXT PRIMARY KEY,
        minimum_healthy_hosts TEXT NOT NULL,           -- JSON {type: HOST_COUNT|FLEET_PERCENT, value}
        created_at            TEXT NOT NULL
      );
      ALTER TABLE deployment_groups ADD COLUMN tag_set TEXT;                 -- JSON TagFilter[][]; NULL: flat tag_filters
      ALTER TABLE deployment_groups ADD COLUMN instance_names TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE deployment_groups ADD COLUMN auto_rollback TEXT;           -- JSON AutoRollbackConfiguration
      ALTER TABLE deployment_groups ADD COLUMN agent_wait_seconds INTEGER NOT NULL DEFAULT 300;
      ALTER TABLE deployment_groups ADD COLUMN event_timeout_seconds INTEGER NOT NULL DEFAULT 3600;
      ALTER TABLE deployment_groups ADD COLUMN auto_deploy_new_instances INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE deployments ADD COLUMN update_outdated_only INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE deployments ADD COLUMN auto_rollback TEXT;                 -- JSON override; NULL: the group's
      ALTER TABLE deployments ADD COLUMN target_instances TEXT;              -- JSON instance ids; NULL: the group's match
      ALTER TABLE deployments ADD COLUMN rollback_of TEXT;                   -- the deployment this one rolls back
      ALTER TABLE deployments ADD COLUMN rollback_deployment_id TEXT;        -- the rollback this one triggered
      ALTER TABLE deployments ADD COLUMN rollback_message TEXT;
      ALTER TABLE deployment_targets ADD COLUMN deadline_at TEXT;            -- when the scheduler gives up on the host
      CREATE INDEX deployment_targets_by_deadline ON deployment_targets(deadline_at) WHERE deadline_at IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'rollout controls',
    sql: `
      ALTER TABLE deployment_configs ADD COLUMN rollout TEXT NOT NULL DEFAULT '{}';  -- JSON RolloutOptions
      ALTER TABLE deployments ADD COLUMN require_approval INTEGER;           -- NULL: the configuration's setting
      ALTER TABLE deployments ADD COLUMN current_step INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE deployments ADD COLUMN step_count INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE deployments ADD COLUMN step_kind TEXT NOT NULL DEFAULT 'rule';     -- rule|list|segment
      ALTER TABLE deployments ADD COLUMN bake_until TEXT;                    -- the next step waits until then
      ALTER TABLE deployments ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE deployments ADD COLUMN approval TEXT NOT NULL DEFAULT 'NotRequired';  -- NotRequired|Pending|Waiting|Approved
      ALTER TABLE deployments ADD COLUMN approved_by TEXT;
      ALTER TABLE deployments ADD COLUMN approved_at TEXT;
      ALTER TABLE deployment_targets ADD COLUMN step INTEGER NOT NULL DEFAULT 1;      -- planned batch or segment
      ALTER TABLE deployment_targets ADD COLUMN segment TEXT;                -- tag value of the host's segment (NULL: untagged)
    `,
  },
  {
    version: 4,
    name: 'progress counters',
    // Per-step target counts kept by triggers, so every write to deployment_targets (any code
    // path, same transaction) keeps them exact across crashes; failed = total - the others.
    sql: `
      CREATE TABLE deployment_progress (
        deployment_id TEXT NOT NULL,
        step          INTEGER NOT NULL,
        total         INTEGER NOT NULL DEFAULT 0,
        pending       INTEGER NOT NULL DEFAULT 0,
        in_flight     INTEGER NOT NULL DEFAULT 0,     -- InProgress or WaitingForAgent
        succeeded     INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (deployment_id, step)
      );
      INSERT INTO deployment_progress (deployment_id, step, total, pending, in_flight, succeeded)
        SELECT deployment_id, step, COUNT(*), SUM(status = 'Pending'), SUM(status IN ('InProgress', 'WaitingForAgent')),
               SUM(status = 'Succeeded')
        FROM deployment_targets GROUP BY deployment_id, step;
      CREATE TRIGGER deployment_progress_insert AFTER INSERT ON deployment_targets BEGIN
        INSERT INTO deployment_progress (deployment_id, step) VALUES (NEW.deployment_id, NEW.step) ON CONFLICT DO NOTHING;
        UPDATE deployment_progress SET total = total + 1, pending = pending + (NEW.status = 'Pending'),
          in_flight = in_flight + (NEW.status IN ('InProgress', 'WaitingForAgent')), succeeded = succeeded + (NEW.status = 'Succeeded')
        WHERE deployment_id = NEW.deployment_id AND step = NEW.step;
      END;
      CREATE TRIGGER deployment_progress_delete AFTER DELETE ON deployment_targets BEGIN
        UPDATE deployment_progress SET total = total - 1, pending = pending - (OLD.status = 'Pending'),
          in_flight = in_flight - (OLD.status IN ('InProgress', 'WaitingForAgent')), succeeded = succeeded - (OLD.status = 'Succeeded')
        WHERE deployment_id = OLD.deployment_id AND step = OLD.step;
      END;
      CREATE TRIGGER deployment_progress_update AFTER UPDATE OF deployment_id, step, status ON deployment_targets
      WHEN OLD.status IS NOT NEW.status OR OLD.step IS NOT NEW.step OR OLD.deployment_id IS NOT NEW.deployment_id BEGIN
        UPDATE deployment_progress SET total = total - 1, pending = pending - (OLD.status = 'Pending'),
          in_flight = in_flight - (OLD.status IN ('InProgress', 'WaitingForAgent')), succeeded = succeeded - (OLD.status = 'Succeeded')
        WHERE deployment_id = OLD.deployment_id AND step = OLD.step;
        INSERT INTO deployment_progress (deployment_id, step) VALUES (NEW.deployment_id, NEW.step) ON CONFLICT DO NOTHING;
        UPDATE deployment_progress SET total = total + 1, pending = pending + (NEW.status = 'Pending'),
          in_flight = in_flight + (NEW.status IN ('InProgress', 'WaitingForAgent')), succeeded = succeeded + (NEW.status = 'Succeeded')
        WHERE deployment_id = NEW.deployment_id AND step = NEW.step;
      END;
      CREATE INDEX deployment_targets_by_status ON deployment_targets(deployment_id, status, position);
      CREATE INDEX deployment_targets_by_batch ON deployment_targets(deployment_id, batch);
      CREATE INDEX deployment_targets_by_step ON deployment_targets(deployment_id, step);
      CREATE INDEX deployment_targets_by_instance ON deployment_targets(instance_id, status);
      -- Finished hosts keep their last deadline; only live ones belong in the deadline index, so
      -- finding the earliest deadline does not walk past every host that already finished.
      DROP INDEX deployment_targets_by_deadline;
      CREATE INDEX deployment_targets_by_live_deadline ON deployment_targets(deadline_at)
        WHERE deadline_at IS NOT NULL AND status IN ('InProgress', 'WaitingForAgent');
    `,
  },
  {
    version: 5,
    name: 'segment per step',
    // The rollout decision reads every step's counters each time it decides; the segment a step
    // deploys sits with them, so naming a segment in a message reads no target row.
    sql: `
      ALTER TABLE deployment_progress ADD COLUMN segment TEXT;
      UPDATE deployment_progress SET segment = (
        SELECT t.segment FROM deployment_targets t
        WHERE t.deployment_id = deployment_progress.deployment_id AND t.step = deployment_progress.step LIMIT 1);
    `,
  },
  {
    version: 6,
    name: 'who may do what',
    // Named API tokens with a role and a scope, revocable, expiring; revocable registration
    // tokens; a hash-chained audit log; operators' revision signatures. Token hashes are
    // HMAC-SHA256 from now on (auth/token-hash.ts); rows of before stay plain sha256.
    sql: `
      ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
      ALTER TABLE api_tokens ADD COLUMN applications TEXT;  -- JSON string[]; NULL: every application
      ALTER TABLE api_tokens ADD COLUMN groups TEXT;        -- JSON string[]; NULL: every group
      ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
      ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
      ALTER TABLE api_tokens ADD COLUMN created_by TEXT;
      -- Several DECKHAND_ADMIN_TOKEN values over time were all named admin: keep the first name.
      UPDATE api_tokens SET name = name || '-' || token_id
        WHERE rowid NOT IN (SELECT MIN(rowid) FROM api_tokens GROUP BY name);
      CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens(name) WHERE revoked_at IS NULL;
      ALTER TABLE registration_tokens ADD COLUMN revoked_at TEXT;
      ALTER TABLE revisions ADD COLUMN signature TEXT;      -- JSON {counter, minisig}
      CREATE TABLE audit_log (
        seq        INTEGER PRIMARY KEY,
        at         TEXT NOT NULL,
        actor      TEXT NOT NULL,
        action     TEXT NOT NULL,
        target     TEXT,
        request_id TEXT,
        details    TEXT NOT NULL,   -- JSON
        outcome    TEXT NOT NULL,
        prev_hash  TEXT NOT NULL,
        hash       TEXT NOT NULL
      );
      CREATE INDEX audit_log_by_actor ON audit_log(actor, seq);
    `,
  },
  {
    version: 7,
    name: 'hosts that lie',
    // Registration tokens say which tag keys a host may set itself (tokens of before: any, as
    // they did); nonces of signed agent requests outlive a restart and are shared by every
    // coordinator of the store; a group's instance names are resolved to instance ids once, so a
    // host cannot join by declaring a hostname (names no instance or several carry stay as they
    // were and match nothing).
    sql: `
      ALTER TABLE registration_tokens ADD COLUMN allow_tag_keys TEXT NOT NULL DEFAULT '["*"]';
      CREATE TABLE used_nonces (
        nonce      TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL   -- epoch ms
      ) WITHOUT ROWID;
      CREATE INDEX used_nonces_by_expiry ON used_nonces(expires_at);
      UPDATE deployment_groups SET instance_names = (
        SELECT json_group_array(COALESCE(
          (SELECT i.instance_id FROM instances i WHERE i.hostname = n.value
             AND (SELECT COUNT(*) FROM instances j WHERE j.hostname = n.value) = 1
             AND NOT EXISTS (SELECT 1 FROM instances k WHERE k.instance_id = n.value)),
          n.value))
        FROM json_each(deployment_groups.instance_names) n)
      WHERE instance_names != '[]';
    `,
  },
  {
    version: 8,
    name: 'hook output',
    // Every line of hook output, per deployment. A deployment's lines are numbered by its
    // next_cursor (moved in the transaction that stores them); log_streams holds, per host and
    // event, the agent's last seq received and what was kept and cut (past the byte cap).
    sql: `
      CREATE TABLE deployment_logs (
        deployment_id TEXT PRIMARY KEY REFERENCES deployments(deployment_id),
        next_cursor   INTEGER NOT NULL DEFAULT 1,
        bytes         INTEGER NOT NULL DEFAULT 0,
        expired_at    TEXT                            -- lines deleted for their age
      );
      CREATE TABLE log_streams (
        deployment_id TEXT NOT NULL,
        instance_id   TEXT NOT NULL,
        event         TEXT NOT NULL,
        held_through  INTEGER NOT NULL DEFAULT 0,     -- every seq up to this one was received
        lines         INTEGER NOT NULL DEFAULT 0,
        bytes         INTEGER NOT NULL DEFAULT 0,
        cut_lines     INTEGER NOT NULL DEFAULT 0,     -- received past the deployment's byte cap, not kept
        cut_bytes     INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (deployment_id, instance_id, event)
      );
      CREATE TABLE log_lines (
        deployment_id TEXT NOT NULL,
        cursor        INTEGER NOT NULL,
        instance_id   TEXT NOT NULL,
        event         TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        at            TEXT NOT NULL,
        stream        TEXT NOT NULL,                  -- stdout | stderr
        text          TEXT NOT NULL,
        PRIMARY KEY (deployment_id, cursor)
      ) WITHOUT ROWID;
      CREATE INDEX log_lines_by_stream ON log_lines(deployment_id, instance_id, event, cursor);
    `,
  },
  {
    version: 9,
    name: 'deleted revisions',
    // A deleted revision that deployments still name keeps its row (their history) without its bundle.
    sql: `
      ALTER TABLE revisions ADD COLUMN deleted_at TEXT;
    `,
  },
  {
    version: 10,
    name: 'webhooks',
    // Webhooks per group and their outbox. announced_status says what the webhooks were last told
    // of a deployment or host; a change past it becomes deliveries in the unit of work that moves it.
    sql: `
      CREATE TABLE webhooks (
        webhook_id          TEXT PRIMARY KEY,
        deployment_group_id TEXT NOT NULL REFERENCES deployment_groups(deployment_group_id),
        name                TEXT NOT NULL,
        url                 TEXT NOT NULL,
        events              TEXT NOT NULL,            -- JSON TriggerEvent[]
        secret              TEXT NOT NULL,            -- whsec_...: signs every delivery; shown once
        created_at          TEXT NOT NULL,
        UNIQUE (deployment_group_id, name)
      );
      CREATE TABLE webhook_deliveries (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,  -- order of a webhook's messages
        delivery_id     TEXT NOT NULL UNIQUE,               -- the webhook-id header
        webhook_id      TEXT NOT NULL,
        event           TEXT NOT NULL,
        deployment_id   TEXT,
        instance_id     TEXT,
        payload         TEXT NOT NULL,
        status          TEXT NOT NULL,                      -- Pending | Succeeded | Failed
        attempts        INTEGER NOT NULL DEFAULT 0,
        created_at      TEXT NOT NULL,
        next_attempt_at TEXT
      );
      CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(webhook_id, status, seq);
      CREATE TABLE webhook_attempts (
        delivery_id TEXT NOT NULL,
        attempt     INTEGER NOT NULL,
        at          TEXT NOT NULL,
        status_code INTEGER,
        error       TEXT,
        duration_ms INTEGER NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
      );
      ALTER TABLE deployments ADD COLUMN announced_status TEXT;
      ALTER TABLE deployments ADD COLUMN announced_rollback INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE deployment_targets ADD COLUMN announced_status TEXT;
    `,
  },
  {
    version: 11,
    name: 'external revisions',
    // A revision kept in S3 or at an https URL, which agents download themselves: its location
    // (JSON); its sha256 is '' when it was registered by an S3 ETag alone.
    sql: `
      ALTER TABLE revisions ADD COLUMN location TEXT;
    `,
  },
  {
    version: 12,
    name: 'journal epochs',
    // The epochs of each host's agent journal as it last named them (JSON), so a journal that
    // went back in time, or a store that did, is found out at the agent's hello.
    sql: `
      ALTER TABLE instances ADD COLUMN journal_epochs TEXT;
    `,
  },
  {
    version: 13,
    name: 'agent event times',
    // Issue 14: an event's times are kept within the coordinator's allowed clock skew; the time
    // the agent gave, when it lay outside and was clamped, is kept here (latest status's).
    sql: `
      ALTER TABLE target_events ADD COLUMN agent_at TEXT;
    `,
  },
  {
    version: 14,
    name: 'traffic control',
    // A group's load balancer and deployment style (group_traffic), what the coordinator did to
    // the balancer for each host of a deployment (traffic_ops: a result outlives a restart and is
    // given again to an agent that asks again), where each host was left (traffic_hosts), and
    // where a blue/green deployment stands. A blue/green replacement host waiting for traffic is
    // Ready (CodeDeploy's status): it counts as done for the rollout's pacing, as Succeeded does.
    sql: `
      CREATE TABLE group_traffic (
        deployment_group_id TEXT PRIMARY KEY REFERENCES deployment_groups(deployment_group_id),
        traffic_control     TEXT,                    -- JSON TrafficControl (an http token included: never shown)
        deployment_style    TEXT,                    -- JSON DeploymentStyle
        blue_green          TEXT,                    -- JSON BlueGreenDeploymentConfiguration
        live_fleet          TEXT                     -- blue/green: the fleet tag value now serving
      );
      CREATE TABLE traffic_ops (
        deployment_id TEXT NOT NULL,
        instance_id   TEXT NOT NULL,
        op            TEXT NOT NULL,                 -- BlockTraffic | AllowTraffic | PrepareGreen | DrainBlue | RestoreBlue | DrainGreen | RestoreFailed
        status        TEXT NOT NULL,                 -- Running | Succeeded | Failed | Skipped
        error_code    TEXT,
        message       TEXT,
        started_at    TEXT NOT NULL,
        ended_at      TEXT,
        PRIMARY KEY (deployment_id, instance_id, op)
      );
      CREATE INDEX traffic_ops_running ON traffic_ops(status) WHERE status = 'Running';
      CREATE TABLE traffic_hosts (
        deployment_group_id TEXT NOT NULL,
        instance_id         TEXT NOT NULL,
        state               TEXT NOT NULL,           -- serving | draining | out | unknown
        detail              TEXT,
        deployment_id       TEXT,
        updated_at          TEXT NOT NULL,
        PRIMARY KEY (deployment_group_id, instance_id)
      );
      CREATE TABLE blue_green_deployments (
        deployment_id TEXT PRIMARY KEY REFERENCES deployments(deployment_id),
        state         TEXT NOT NULL                  -- JSON BlueGreenRecord
      );
      ALTER TABLE deployment_targets ADD COLUMN label TEXT;   -- Blue | Green in a blue/green deployment
      -- Blue/green for webhooks: DeploymentReady (traffic began to move) and InstanceReady (a
      -- replacement host reached AllowTraffic) were announced.
      ALTER TABLE deployments ADD COLUMN announced_ready INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE deployment_targets ADD COLUMN announced_ready INTEGER NOT NULL DEFAULT 0;
      DROP TRIGGER deployment_progress_insert;
      DROP TRIGGER deployment_progress_delete;
      DROP TRIGGER deployment_progress_update;
      CREATE TRIGGER deployment_progress_insert AFTER INSERT ON deployment_targets BEGIN
        INSERT INTO deployment_progress (deployment_id, step) VALUES (NEW.deployment_id, NEW.step) ON CONFLICT DO NOTHING;
        UPDATE deployment_progress SET total = total + 1, pending = pending + (NEW.status = 'Pending'),
          in_flight = in_flight + (NEW.status IN ('InProgress', 'WaitingForAgent')), succeeded = succeeded + (NEW.status IN ('Succeeded', 'Ready'))
        WHERE deployment_id = NEW.deployment_id AND step = NEW.step;
      END;
      CREATE TRIGGER deployment_progress_delete AFTER DELETE ON deployment_targets BEGIN
        UPDATE deployment_progress SET total = total - 1, pending = pending - (OLD.status = 'Pending'),
          in_flight = in_flight - (OLD.status IN ('InProgress', 'WaitingForAgent')), succeeded = succeeded - (OLD.status IN ('Succeeded', 'Ready'))
        WHERE deployment_id = OLD.deployment_id AND step = OLD.step;
      END;
      CREATE TRIGGER deployment_progress_update AFTER UPDATE OF deployment_id, step, status ON deployment_targets
      WHEN OLD.status IS NOT NEW.status OR OLD.step IS NOT NEW.step OR OLD.deployment_id IS NOT NEW.deployment_id BEGIN
        UPDATE deployment_progress SET total = total - 1, pending = pending - (OLD.status = 'Pending'),
          in_flight = in_flight - (OLD.status IN ('InProgress', 'WaitingForAgent')), succeeded = succeeded - (OLD.status IN ('Succeeded', 'Ready'))
        WHERE deployment_id = OLD.deployment_id AND step = OLD.step;
        INSERT INTO deployment_progress (deployment_id, step) VALUES (NEW.deployment_id, NEW.step) ON CONFLICT DO NOTHING;
        UPDATE deployment_progress SET total = total + 1, pending = pending + (NEW.status = 'Pending'),
          in_flight = in_flight + (NEW.status IN ('InProgress', 'WaitingForAgent')), succeeded = succeeded + (NEW.status IN ('Succeeded', 'Ready'))
        WHERE deployment_id = NEW.deployment_id AND step = NEW.step;
      END;
    `,
  },
  {
    version: 15,
    name: 'health-gated rollouts',
    // Beside the deployment rows, in tables of their own: the rollout's hot reads stay as they
    // were, and a group or deployment removed takes its health rows with it.
    sql: `
      CREATE TABLE health_checks (
        name       TEXT PRIMARY KEY,
        type       TEXT NOT NULL,                  -- http | prometheus | command | webhook
        spec       TEXT NOT NULL,                  -- JSON HealthCheckSpec (secrets in it are never shown)
        created_at TEXT NOT NULL,
        created_by TEXT
      );
      CREATE TABLE group_health (
        deployment_group_id TEXT PRIMARY KEY REFERENCES deployment_groups(deployment_group_id) ON DELETE CASCADE,
        alarm_configuration TEXT,                  -- JSON AlarmConfiguration
        large_blast_radius  TEXT                   -- JSON LargeBlastRadius; NULL: the defaults
      );
      CREATE TABLE deployment_health (
        deployment_id       TEXT PRIMARY KEY REFERENCES deployments(deployment_id) ON DELETE CASCADE,
        alarm_override      TEXT,                  -- JSON overrideAlarmConfiguration
        retry_of            TEXT,                  -- the deployment whose failed hosts this one retries
        bake_seconds        INTEGER,               -- set by an operator on the running rollout
        analysis_step       INTEGER,
        analysis_status     TEXT,                  -- Running|Successful|Failed|Inconclusive|Promoted|Resumed
        analysis_started_at TEXT,
        analysis_message    TEXT,
        pause_reason        TEXT                   -- why it paused by itself
      );
      CREATE TABLE health_results (
        deployment_id TEXT NOT NULL REFERENCES deployments(deployment_id) ON DELETE CASCADE,
        seq           INTEGER NOT NULL,
        at            TEXT NOT NULL,
        check_name    TEXT NOT NULL,
        purpose       TEXT NOT NULL,               -- alarm | analysis
        step          INTEGER,
        verdict       TEXT NOT NULL,               -- Successful|Failed|Inconclusive|Error
        value         REAL,
        message       TEXT NOT NULL,
        dry_run       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (deployment_id, seq)
      );
      CREATE TABLE retry_starts (
        deployment_id TEXT NOT NULL REFERENCES deployments(deployment_id) ON DELETE CASCADE,
        instance_id   TEXT NOT NULL,
        start_event   TEXT NOT NULL,               -- the lifecycle event a retried host starts at
        PRIMARY KEY (deployment_id, instance_id)
      );
    `,
  },
];
