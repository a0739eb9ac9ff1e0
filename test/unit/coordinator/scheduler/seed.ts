/**
 * Test helpers: seeding a real store (each implementation, store/harness.ts) with plain SQL, a
 * fake clock and a fake CommandSender recording what the scheduler sends.
 */
import type { Clock, TimerHandle } from '../../../../common/src/clock.ts';
import type { AgentEventBody, CommandBody, TagFilter, Tags } from '../../../../protocol/src/index.ts';
import type { Scheduler, CommandSender } from '../../../../coordinator/src/scheduler/index.ts';
import type { Store } from '../../../../coordinator/src/store/store.ts';
import type { TestStore } from '../store/harness.ts';

export { forEachStore, type TestStore } from '../store/harness.ts';

/** Applies one agent event as the hub does (in a unit of work of its own), then its after-commit work. */
export async function applyEvent(store: Store, scheduler: Scheduler, instanceId: string, body: AgentEventBody): Promise<void> {
  const after = await store.transaction((tx) => scheduler.applyAgentEvent(instanceId, body, tx));
  await after();
}

/** A clock whose wall time advances one second per call to now(); timers never fire on their own. */
export function fakeClock(start = Date.parse('2025-01-01T00:00:00Z')): Clock {
  let t = start;
  return {
    now: () => new Date((t += 1000)),
    monotonicMs: () => t - start,
    setTimeout: () => ({}) as TimerHandle,
    clearTimeout: () => undefined,
  };
}

/**
 * Records every command and cancel; `connected` decides whether agents are connected, and
 * `offline` names the hosts that are not even when it is true.
 */
export class FakeSender implements CommandSender {
  readonly sent: { instanceId: string; command: CommandBody }[] = [];
  readonly cancels: { instanceId: string; deploymentId: string; commandId: string }[] = [];
  readonly offline = new Set<string>();
  connected = true;
  isConnected(instanceId: string): boolean {
    return this.connected && !this.offline.has(instanceId);
  }
  sendCommand(instanceId: string, command: CommandBody): boolean {
    this.sent.push({ instanceId, command });
    return this.isConnected(instanceId);
  }
  sendCancel(instanceId: string, body: { deploymentId: string; commandId: string }): boolean {
    this.cancels.push({ instanceId, ...body });
    return this.isConnected(instanceId);
  }
}

/** Ids of the seeded application, group and revision. */
export interface Seeded {
  applicationId: string;
  deploymentGroupId: string;
  revisionId: string;
  instanceIds: string[];
}

/** Inserts an instance with the given tags; registration order follows `n`. */
export async function insertInstance(db: TestStore, instanceId: string, tags: Tags, n: number, publicKey = 'unused'): Promise<void> {
  await db.run(
    'INSERT INTO instances (instance_id, hostname, public_key, tags, registered_at) VALUES (?, ?, ?, ?, ?)',
    instanceId,
    `host-${n}`,
    publicKey,
    JSON.stringify(tags),
    new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString(),
  );
}

/** Seeds an application, a group selecting `env=prod`, a revision and `hosts` matching instances. */
export async function seed(db: TestStore, hosts: number, opts: { config?: string; filters?: TagFilter[] } = {}): Promise<Seeded> {
  const now = '2024-01-01T00:00:00.000Z';
  await db.run('INSERT INTO applications (application_id, name, created_at) VALUES (?, ?, ?)', 'a-APPAPPAPP', 'shop', now);
  await db.run(
    `INSERT INTO deployment_groups (deployment_group_id, application_id, name, tag_filters, deployment_config_name, created_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
    'g-GRPGRPGRP',
    'a-APPAPPAPP',
    'prod',
    JSON.stringify(opts.filters ?? [{ type: 'KEY_AND_VALUE', key: 'env', value: 'prod' }]),
    opts.config ?? 'CodeDeployDefault.OneAtATime',
    now,
  );
  await db.run(
    `INSERT INTO revisions (revision_id, application_id, sha256, size, bundle_type, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    'r-REVREVREV', 'a-APPAPPAPP', 'a'.repeat(64), 123, 'tgz', now,
  );
  const instanceIds: string[] = [];
  for (let i = 0; i < hosts; i++) {
    const id = `i-HOST${String(i).padStart(4, '0')}`;
    await insertInstance(db, id, { env: 'prod' }, i);
    instanceIds.push(id);
  }
  return { applicationId: 'a-APPAPPAPP', deploymentGroupId: 'g-GRPGRPGRP', revisionId: 'r-REVREVREV', instanceIds };
}

/** A final host outcome event for a sent command. */
export function outcome(command: CommandBody, status: 'Succeeded' | 'Failed', seq = 1): AgentEventBody {
  const body: AgentEventBody = { seq, commandId: command.commandId, deploymentId: command.deploymentId, status, at: '2025-01-01T00:10:00.000Z' };
  if (status === 'Failed') {
    body.errorCode = 'ScriptFailed';
    body.message = 'script exited with 1';
  }
  return body;
}

/** A clock the test moves by hand; timers never fire (tests call expireDeadlines). */
export class ManualClock implements Clock {
  constructor(public ms = Date.parse('2025-01-01T00:00:00Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
  monotonicMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  setTimeout(): TimerHandle {
    return {} as TimerHandle;
  }
  clearTimeout(): void {
    // No timer is ever armed.
  }
}

/** Sets group columns added by migration 2 (rollback, deadlines, auto-deploy). */
export async function configureGroup(db: TestStore, deploymentGroupId: string, settings: Record<string, string | number | null>): Promise<void> {
  for (const [column, value] of Object.entries(settings)) {
    await db.run(`UPDATE deployment_groups SET ${column} = ? WHERE deployment_group_id = ?`, value, deploymentGroupId);
  }
}

/** Stores a custom deployment configuration as the API would. */
export async function insertConfig(db: TestStore, config: Parameters<Store['configs']['insert']>[0]): Promise<void> {
  await db.store.configs.insert(config);
}
