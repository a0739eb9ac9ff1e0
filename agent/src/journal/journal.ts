/**
 * The agent's journal: every state transition is one IMMEDIATE transaction, and every transition
 * the coordinator must hear about appends its outbox row in that same transaction.
 */
import type { ErrorCode } from '../../../protocol/src/errors.ts';
import type { CommandBody } from '../../../protocol/src/messages.ts';
import type { Tags } from '../../../protocol/src/schemas.ts';
import { openJournalDb, type JournalDb } from './db.ts';
import { LogCursors } from './log-cursors.ts';
import { Outbox, type OutboxEvent } from './outbox.ts';
import type {
  CommandState,
  DeploymentOutcome,
  EventKey,
  EventOutcome,
  GroupRevisions,
  GroupUpdate,
  ScriptStart,
  StoredCommand,
  StoredDeployment,
  StoredEvent,
  StoredIdentity,
  CoordinatorKey,
} from './types.ts';

type Row = Record<string, string | number | null>;

/** Copies the non-null columns of `row` named in `map` (column → field) onto a new object. */
function pick<T>(row: Row, map: Record<string, string>): T {
  const out: Record<string, unknown> = {};
  for (const [column, field] of Object.entries(map)) {
    const value = row[column];
    if (value !== null && value !== undefined) out[field] = value;
  }
  return out as T;
}

const COMMAND_COLUMNS = { command_id: 'commandId', deployment_id: 'deploymentId', received_at: 'receivedAt', state: 'state' };
const DEPLOYMENT_COLUMNS = {
  deployment_id: 'deploymentId',
  deployment_group_id: 'deploymentGroupId',
  command_id: 'commandId',
  status: 'status',
  archive_dir: 'archiveDir',
  started_at: 'startedAt',
  ended_at: 'endedAt',
};
const EVENT_COLUMNS = {
  deployment_id: 'deploymentId',
  event: 'event',
  status: 'status',
  error_code: 'errorCode',
  message: 'message',
  script_name: 'scriptName',
  started_at: 'startedAt',
  ended_at: 'endedAt',
  script_index: 'scriptIndex',
  hook_pid: 'hookPid',
  hook_start_time: 'hookStartTime',
  hook_deadline: 'hookDeadline',
  reboot_boot_id: 'rebootBootId',
};
const GROUP_COLUMNS = {
  deployment_group_id: 'deploymentGroupId',
  last_successful_dir: 'lastSuccessfulDir',
  last_successful_deployment_id: 'lastSuccessfulDeploymentId',
  most_recent_dir: 'mostRecentDir',
};

function toCommand(row: Row): StoredCommand {
  return { ...pick<Omit<StoredCommand, 'body'>>(row, COMMAND_COLUMNS), body: JSON.parse(String(row['body'])) as CommandBody };
}

/** Fields of the outbox row describing `outcome`, without undefined members. */
function outcomeFields(outcome: EventOutcome | DeploymentOutcome): Partial<OutboxEvent> {
  const out: Partial<OutboxEvent> = {};
  if (outcome.errorCode !== undefined) out.errorCode = outcome.errorCode;
  if (outcome.message !== undefined) out.message = outcome.message;
  if ('scriptName' in outcome && outcome.scriptName !== undefined) out.scriptName = outcome.scriptName;
  if ('logTail' in outcome && outcome.logTail !== undefined) out.logTail = outcome.logTail;
  return out;
}

export class Journal {
  readonly outbox: Outbox;
  /** How far the coordinator has acknowledged each deployment's hook output. */
  readonly logCursors: LogCursors;

  constructor(private readonly db: JournalDb) {
    this.outbox = new Outbox(db);
    this.logCursors = new LogCursors(db);
  }

  /** Opens the journal file (creating and migrating it as needed). */
  static open(file: string): Journal {
    return new Journal(openJournalDb(file));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  getIdentity(): StoredIdentity | undefined {
    const row = this.db.prepare('SELECT * FROM identity WHERE id = 1').get() as Row | undefined;
    if (!row) return undefined;
    const identity: StoredIdentity = {
      instanceId: String(row['instance_id']),
      coordinatorUrl: String(row['coordinator_url']),
      hostname: String(row['hostname']),
      tags: JSON.parse(String(row['tags'])) as Tags,
      registeredAt: String(row['registered_at']),
    };
    if (typeof row['ca_sha256'] === 'string' && typeof row['ca_pem'] === 'string') identity.pinnedCa = { sha256: row['ca_sha256'], pem: row['ca_pem'] };
    if (typeof row['coordinator_urls'] === 'string') identity.coordinatorUrls = JSON.parse(row['coordinator_urls']) as string[];
    return identity;
  }

  /** Stores (or replaces) this host's identity and, in the same transaction, the coordinator's signing keys. */
  saveIdentity(identity: StoredIdentity, coordinatorKeys: readonly CoordinatorKey[] = []): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT OR REPLACE INTO identity (id, instance_id, coordinator_url, hostname, tags, registered_at, ca_sha256, ca_pem, coordinator_urls)
           VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          identity.instanceId,
          identity.coordinatorUrl,
          identity.hostname,
          JSON.stringify(identity.tags),
          identity.registeredAt,
          identity.pinnedCa?.sha256 ?? null,
          identity.pinnedCa?.pem ?? null,
          identity.coordinatorUrls === undefined ? null : JSON.stringify(identity.coordinatorUrls),
        );
      this.replaceCoordinatorKeys(coordinatorKeys, new Date(identity.registeredAt));
    })();
  }

  /** Replaces the coordinators the agent may use (`run --coordinator URL ...`); the first is the preferred one. */
  setCoordinatorUrls(urls: readonly string[]): void {
    this.db.prepare('UPDATE identity SET coordinator_url = ?, coordinator_urls = ? WHERE id = 1').run(urls[0], JSON.stringify(urls));
  }

  /** Journals a refused coordinator frame (bad signature); the 1,000 newest are kept. */
  recordRefusal(r: { frameType: string; commandId?: string; deploymentId?: string; code: string; message: string; at: Date }): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO refusals (frame_type, command_id, deployment_id, code, message, at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(r.frameType, r.commandId ?? null, r.deploymentId ?? null, r.code, r.message.slice(0, 2048), r.at.toISOString());
      this.db.prepare('DELETE FROM refusals WHERE id <= (SELECT MAX(id) FROM refusals) - 1000').run();
    })();
  }

  /** The refused frames journaled, newest last. */
  refusals(): Array<{ frameType: string; commandId?: string; code: string; message: string }> {
    return (this.db.prepare('SELECT frame_type, command_id, code, message FROM refusals ORDER BY id').all() as Row[]).map((r) => ({
      frameType: String(r['frame_type']),
      ...(r['command_id'] === null ? {} : { commandId: String(r['command_id']) }),
      code: String(r['code']),
      message: String(r['message']),
    }));
  }

  /** The highest signed counter installed for `application`, if any. */
  highestCounter(application: string): number | undefined {
    const row = this.db.prepare('SELECT counter FROM revision_counters WHERE application = ?').get(application) as Row | undefined;
    return row === undefined ? undefined : Number(row['counter']);
  }

  /** Keeps `counter` as `application`'s highest installed one, unless a higher one is kept already. */
  recordCounter(application: string, counter: number, at = new Date()): void {
    this.db
      .prepare(
        `INSERT INTO revision_counters (application, counter, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (application) DO UPDATE SET counter = MAX(counter, excluded.counter), updated_at = excluded.updated_at`,
      )
      .run(application, counter, at.toISOString());
  }

  /** The coordinator's command-signing keys this agent trusts. */
  coordinatorKeys(): CoordinatorKey[] {
    return (this.db.prepare('SELECT key_id, public_key FROM coordinator_keys ORDER BY added_at, key_id').all() as Row[]).map((r) => ({
      keyId: String(r['key_id']),
      publicKey: String(r['public_key']),
    }));
  }

  /** Makes `keys` the trusted set: new ones added, ones no longer listed removed. */
  replaceCoordinatorKeys(keys: readonly CoordinatorKey[], at: Date): void {
    this.db.transaction(() => {
      const keep = new Set(keys.map((k) => k.keyId));
      for (const old of this.coordinatorKeys()) if (!keep.has(old.keyId)) this.db.prepare('DELETE FROM coordinator_keys WHERE key_id = ?').run(old.keyId);
      const insert = this.db.prepare('INSERT OR IGNORE INTO coordinator_keys (key_id, public_key, added_at) VALUES (?, ?, ?)');
      for (const k of keys) insert.run(k.keyId, k.publicKey, at.toISOString());
    })();
  }

  /** Journals a command once; returns true when it was new, false for a re-delivery. */
  recordCommand(body: CommandBody, at: Date): boolean {
    const info = this.db
      .prepare(
        `INSERT OR IGNORE INTO commands (command_id, deployment_id, body, received_at, state)
         VALUES (?, ?, ?, ?, 'received')`,
      )
      .run(body.commandId, body.deploymentId, JSON.stringify(body), at.toISOString());
    return info.changes === 1;
  }

  getCommand(commandId: string): StoredCommand | undefined {
    const row = this.db.prepare('SELECT * FROM commands WHERE command_id = ?').get(commandId) as Row | undefined;
    return row ? toCommand(row) : undefined;
  }

  /** Commands in `state`, in arrival order. */
  commandsInState(state: CommandState): StoredCommand[] {
    const rows = this.db.prepare('SELECT * FROM commands WHERE state = ? ORDER BY rowid').all(state) as Row[];
    return rows.map(toCommand);
  }

  /** Closes a command without running it (its deployment already ran on this host). */
  markCommandDone(commandId: string): void {
    this.db.prepare("UPDATE commands SET state = 'done' WHERE command_id = ?").run(commandId);
  }

  /** Records that a command's deployment has started on this host. */
  startDeployment(
    d: { commandId: string; deploymentId: string; deploymentGroupId: string; archiveDir: string },
    at: Date,
  ): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO deployments (deployment_id, deployment_group_id, command_id, status, archive_dir, started_at)
           VALUES (?, ?, ?, 'running', ?, ?)`,
        )
        .run(d.deploymentId, d.deploymentGroupId, d.commandId, d.archiveDir, at.toISOString());
      this.db.prepare("UPDATE commands SET state = 'running' WHERE command_id = ?").run(d.commandId);
    }).immediate();
  }

  getDeployment(deploymentId: string): StoredDeployment | undefined {
    const row = this.db.prepare('SELECT * FROM deployments WHERE deployment_id = ?').get(deploymentId) as Row | undefined;
    return row ? pick<StoredDeployment>(row, DEPLOYMENT_COLUMNS) : undefined;
  }

  /** Deployments started but never finished (the agent stopped while running them). */
  runningDeployments(): StoredDeployment[] {
    const rows = this.db.prepare("SELECT * FROM deployments WHERE status = 'running' ORDER BY rowid").all() as Row[];
    return rows.map((row) => pick<StoredDeployment>(row, DEPLOYMENT_COLUMNS));
  }

  /** Journals the intent to run an event, with its InProgress outbox row. */
  startEvent(key: EventKey, at: Date): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT OR REPLACE INTO events (deployment_id, event, status, started_at) VALUES (?, ?, 'InProgress', ?)`,
        )
        .run(key.deploymentId, key.event, at.toISOString());
      this.appendEvent(key, { status: 'InProgress' }, at);
    }).immediate();
    this.outbox.notify();
  }

  /**
   * Journals the process of a script that just started, before the agent waits for it: after a
   * restart this is how the agent finds it again. One statement, so no outbox row: the
   * coordinator only hears about outcomes.
   */
  recordScriptStart(key: EventKey, start: ScriptStart): void {
    this.db
      .prepare(
        `UPDATE events SET script_index = ?, hook_pid = ?, hook_start_time = ?, hook_deadline = ?, reboot_boot_id = NULL
         WHERE deployment_id = ? AND event = ?`,
      )
      .run(start.index, start.pid, start.startTime ?? null, start.deadlineAt.toISOString(), key.deploymentId, key.event);
  }

  /** Journals that script `index` asked for a reboot in boot `bootId`, with an InProgress outbox row saying so. */
  requestReboot(key: EventKey, reboot: { index: number; bootId: string; message: string }, at: Date): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE events SET script_index = ?, hook_pid = NULL, hook_start_time = NULL, hook_deadline = NULL, reboot_boot_id = ?
           WHERE deployment_id = ? AND event = ?`,
        )
        .run(reboot.index, reboot.bootId, key.deploymentId, key.event);
      this.appendEvent(key, { status: 'InProgress', message: reboot.message }, at);
    }).immediate();
    this.outbox.notify();
  }

  /** Journals how an event ended and its outbox row (and any group pointers) atomically. */
  finishEvent(key: EventKey, outcome: EventOutcome, at: Date, group?: GroupUpdate): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE events SET status = ?, error_code = ?, message = ?, script_name = ?, ended_at = ?
           WHERE deployment_id = ? AND event = ?`,
        )
        .run(
          outcome.status,
          outcome.errorCode ?? null,
          outcome.message ?? null,
          outcome.scriptName ?? null,
          at.toISOString(),
          key.deploymentId,
          key.event,
        );
      this.appendEvent(key, { status: outcome.status, ...outcomeFields(outcome) }, at);
      if (group) this.updateGroup(group);
    }).immediate();
    this.outbox.notify();
  }

  /** Journals the host's final result of a deployment, closes its command, appends the outbox row. */
  finishDeployment(outcome: DeploymentOutcome, at: Date): void {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE deployments SET status = ?, ended_at = ? WHERE deployment_id = ?')
        .run(outcome.status, at.toISOString(), outcome.deploymentId);
      // Every command of the deployment (a second one after the coordinator lost the first: adoptCommand).
      this.db.prepare("UPDATE commands SET state = 'done' WHERE command_id = ? OR deployment_id = ?").run(outcome.commandId, outcome.deploymentId);
      const body: OutboxEvent = {
        commandId: this.reportingCommand(outcome.deploymentId, outcome.commandId),
        deploymentId: outcome.deploymentId,
        status: outcome.status,
        ...outcomeFields(outcome),
        at: at.toISOString(),
      };
      this.outbox.append(body, at);
    }).immediate();
    this.outbox.notify();
  }

  /** Every event row of a deployment, in the order they started. */
  events(deploymentId: string): StoredEvent[] {
    const rows = this.db.prepare('SELECT * FROM events WHERE deployment_id = ? ORDER BY rowid').all(deploymentId) as Row[];
    return rows.map((row) => pick<StoredEvent>(row, EVENT_COLUMNS));
  }

  getGroupRevisions(deploymentGroupId: string): GroupRevisions {
    const row = this.db
      .prepare('SELECT * FROM group_revisions WHERE deployment_group_id = ?')
      .get(deploymentGroupId) as Row | undefined;
    return row ? pick<GroupRevisions>(row, GROUP_COLUMNS) : { deploymentGroupId };
  }

  private updateGroup(group: GroupUpdate): void {
    this.db
      .prepare('INSERT OR IGNORE INTO group_revisions (deployment_group_id) VALUES (?)')
      .run(group.deploymentGroupId);
    if (group.lastSuccessful) {
      this.db
        .prepare(
          `UPDATE group_revisions SET last_successful_dir = ?, last_successful_deployment_id = ?
           WHERE deployment_group_id = ?`,
        )
        .run(group.lastSuccessful.dir, group.lastSuccessful.deploymentId, group.deploymentGroupId);
    }
    if (group.mostRecentDir !== undefined) {
      this.db
        .prepare('UPDATE group_revisions SET most_recent_dir = ? WHERE deployment_group_id = ?')
        .run(group.mostRecentDir, group.deploymentGroupId);
    }
  }

  /**
   * A command for a deployment this host already has, under another command id: the coordinator
   * lost the first one (its store went back in time) and dispatched the host again. The
   * deployment is not run twice: what it did so far is reported again under the new command, its
   * next events carry the new command, and a finished one reports its outcome again. One
   * transaction. Returns whether the deployment had finished; undefined when there is nothing to
   * adopt (no such deployment, or the same command).
   */
  adoptCommand(commandId: string, deploymentId: string, at: Date): boolean | undefined {
    const finished = this.db.transaction((): boolean | undefined => {
      const d = this.getDeployment(deploymentId);
      if (!d || d.commandId === commandId) return undefined;
      this.db.prepare('UPDATE deployments SET command_id = ? WHERE deployment_id = ?').run(commandId, deploymentId);
      const events = this.events(deploymentId);
      for (const e of events) {
        const fields = { ...(e.errorCode ? { errorCode: e.errorCode as ErrorCode } : {}), ...(e.message ? { message: e.message } : {}), ...(e.scriptName ? { scriptName: e.scriptName } : {}) };
        this.appendEvent({ commandId, deploymentId, event: e.event }, { status: e.status as OutboxEvent['status'], ...fields }, new Date(e.endedAt ?? e.startedAt));
      }
      const finished = d.status !== 'running';
      this.db.prepare('UPDATE commands SET state = ? WHERE command_id = ?').run(finished ? 'done' : 'running', commandId);
      if (finished) {
        const failed = events.find((e) => e.status === 'Failed');
        const body: OutboxEvent = {
          commandId,
          deploymentId,
          status: d.status as OutboxEvent['status'],
          ...(failed?.errorCode ? { errorCode: failed.errorCode as ErrorCode } : {}),
          ...(failed?.message ? { message: failed.message } : {}),
          at: d.endedAt ?? at.toISOString(),
        };
        this.outbox.append(body, at);
      }
      return finished;
    }).immediate();
    if (finished !== undefined) this.outbox.notify();
    return finished;
  }

  /** The command a deployment's events are reported under: its newest (adoptCommand), else `fallback`. */
  private reportingCommand(deploymentId: string, fallback: string): string {
    const row = this.db.prepare('SELECT command_id FROM deployments WHERE deployment_id = ?').get(deploymentId) as { command_id: string } | undefined;
    return row?.command_id ?? fallback;
  }

  private appendEvent(key: EventKey, fields: Pick<OutboxEvent, 'status'> & Partial<OutboxEvent>, at: Date): void {
    const body: OutboxEvent = {
      commandId: this.reportingCommand(key.deploymentId, key.commandId),
      deploymentId: key.deploymentId,
      lifecycleEvent: key.event,
      ...fields,
      at: at.toISOString(),
    };
    this.outbox.append(body, at);
  }
}
