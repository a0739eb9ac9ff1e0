/**
 * A real API over a real SQLite file in a temp dir, with a controllable clock, an in-test
 * deployment service over the same store, and a fake hub presence.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Clock, TimerHandle } from '../../../../common/src/clock.ts';
import { newId } from '../../../../common/src/ids.ts';
import { silentLogger, type Logger } from '../../../../common/src/logger.ts';
import {
  SIGNATURE_HEADERS,
  signingPayload,
  type DeploymentPlan,
  type DeploymentSummary,
  type DeploymentView,
  type PreflightResponse,
  type RolloutActionResponse,
} from '../../../../protocol/src/index.ts';
import type { PreflightAnswer } from '../../../../coordinator/src/hub/preflight.ts';
import { preflightDeployment, type PreflightQuery } from '../../../../coordinator/src/scheduler/preflight.ts';
import { NonceCache } from '../../../../coordinator/src/auth/agent-auth.ts';
import { buildApi } from '../../../../coordinator/src/api/app.ts';
import type { DeploymentService, NewDeployment, StopResult, TrafficApi } from '../../../../coordinator/src/api/deps.ts';
import { ArtifactStore } from '../../../../coordinator/src/artifacts/store.ts';
import type { Db } from '../../../../coordinator/src/store/sqlite/db.ts';
import { openSqliteStore, type SqliteStore } from '../../../../coordinator/src/store/sqlite/store.ts';
import { insertApiToken } from '../../../../coordinator/src/store/sqlite/tokens.ts';
import { tokenHasher } from '../../../../coordinator/src/auth/token-hash.ts';

/** A clock whose wall time the test sets. */
export class FakeClock implements Clock {
  constructor(public current: Date = new Date('2030-01-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  monotonicMs(): number {
    return this.current.getTime();
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  /** Timers never fire on their own; tests call Scheduler.expireDeadlines() after advance(). */
  setTimeout(): TimerHandle {
    return {} as TimerHandle;
  }
  clearTimeout(): void {
    // Nothing to clear: no timers are ever created.
  }
}

/** A temp dir removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

interface RawDeployment {
  deployment_id: string;
  app: string;
  grp: string;
  revision_id: string;
  deployment_config_name: string;
  status: DeploymentView['status'];
  creator: string;
  file_exists_behavior: DeploymentView['fileExistsBehavior'];
  ignore_application_stop_failures: number;
  description: string | null;
  created_at: string;
}

function toView(raw: RawDeployment): DeploymentView {
  const view: DeploymentView = {
    deploymentId: raw.deployment_id,
    applicationName: raw.app,
    deploymentGroupName: raw.grp,
    revisionId: raw.revision_id,
    deploymentConfigName: raw.deployment_config_name,
    status: raw.status,
    creator: raw.creator,
    fileExistsBehavior: raw.file_exists_behavior,
    ignoreApplicationStopFailures: raw.ignore_application_stop_failures === 1,
    createTime: raw.created_at,
    overview: { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0 },
    targets: [],
  };
  if (raw.description !== null) view.description = raw.description;
  return view;
}

function toSummary(view: DeploymentView): DeploymentSummary {
  const { targets: _targets, ...summary } = view;
  return summary;
}

const VIEW_SQL = `SELECT d.*, a.name AS app, g.name AS grp FROM deployments d
  JOIN applications a ON a.application_id = d.application_id
  JOIN deployment_groups g ON g.deployment_group_id = d.deployment_group_id`;

/** A stand-in scheduler that stores deployments as Created and reads them back. */
export class StoreDeploymentService implements DeploymentService {
  readonly created: NewDeployment[] = [];
  constructor(private readonly store: SqliteStore, private readonly clock: Clock) {}

  private get db(): Db {
    return this.store.db;
  }

  async createDeployment(input: NewDeployment): Promise<string> {
    this.created.push(input);
    const id = newId('d');
    this.db
      .prepare(
        `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name,
         status, creator, file_exists_behavior, ignore_application_stop_failures, parameters, description, created_at)
         VALUES (?, ?, ?, ?, ?, 'Created', ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.applicationId, input.deploymentGroupId, input.revisionId, input.deploymentConfigName, input.creator,
        input.fileExistsBehavior, input.ignoreApplicationStopFailures ? 1 : 0, JSON.stringify(input.parameters),
        input.description ?? null, this.clock.now().toISOString());
    return id;
  }

  async getDeploymentView(id: string): Promise<DeploymentView | undefined> {
    const raw = this.db.prepare(`${VIEW_SQL} WHERE d.deployment_id = ?`).get(id) as RawDeployment | undefined;
    return raw && toView(raw);
  }

  async getDeploymentSummary(id: string): Promise<DeploymentSummary | undefined> {
    const view = await this.getDeploymentView(id);
    return view && toSummary(view);
  }

  async listDeploymentSummaries(filter: { applicationName?: string; deploymentGroupName?: string; status?: string }): Promise<DeploymentSummary[]> {
    return (this.db.prepare(`${VIEW_SQL} ORDER BY d.created_at`).all() as RawDeployment[])
      .map((raw) => toSummary(toView(raw)))
      .filter((v) => filter.applicationName === undefined || v.applicationName === filter.applicationName)
      .filter((v) => filter.deploymentGroupName === undefined || v.deploymentGroupName === filter.deploymentGroupName)
      .filter((v) => filter.status === undefined || v.status === filter.status);
  }

  /** Instances the API reported as registered or retagged. */
  readonly changedInstances: string[] = [];

  async stopDeployment(): Promise<StopResult> {
    throw new Error('not used by the route tests; the scheduler tests cover it');
  }

  /** Groups rolled back, with what the route passed on. */
  readonly rollbacks: { deploymentGroupId: string; queue: boolean; who: string }[] = [];

  /** Stores a copy of the group's newest deployment by "rollback"; the scheduler tests cover the real choice. */
  async rollbackGroup(deploymentGroupId: string, opts: { queue: boolean; who: string }): Promise<string> {
    this.rollbacks.push({ deploymentGroupId, queue: opts.queue, who: opts.who });
    const id = newId('d');
    this.db
      .prepare(
        `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name,
         status, creator, file_exists_behavior, ignore_application_stop_failures, parameters, description, created_at)
         SELECT ?, application_id, deployment_group_id, revision_id, deployment_config_name, 'Created', 'rollback',
         file_exists_behavior, ignore_application_stop_failures, parameters, description, ?
         FROM deployments WHERE deployment_group_id = ? ORDER BY created_at DESC LIMIT 1`,
      )
      .run(id, this.clock.now().toISOString(), deploymentGroupId);
    return id;
  }

  async planDeployment(): Promise<DeploymentPlan> {
    throw new Error('not used by the route tests; the scheduler tests cover it');
  }

  /** What each agent answers a preflight (absent: no answer); the real target selection runs. */
  readonly preflightAnswers = new Map<string, PreflightAnswer>();
  /** The revision each preflight asked about, as sent to agents. */
  readonly preflightsSent: { instanceIds: readonly string[]; revisionId: string }[] = [];

  preflightDeployment(query: PreflightQuery): Promise<PreflightResponse> {
    const answers = this.preflightAnswers;
    return preflightDeployment(this.store, query, {
      isConnected: (id) => answers.has(id) && answers.get(id) !== 'offline',
      preflight: async (instanceIds, deploy) => {
        this.preflightsSent.push({ instanceIds, revisionId: deploy.revision.revisionId });
        return new Map(instanceIds.map((id) => [id, answers.get(id) ?? 'timeout']));
      },
    });
  }

  async pauseDeployment(): Promise<RolloutActionResponse> {
    throw new Error('not used by the route tests; the scheduler tests cover it');
  }

  async resumeDeployment(): Promise<RolloutActionResponse> {
    throw new Error('not used by the route tests; the scheduler tests cover it');
  }

  async approveDeployment(): Promise<RolloutActionResponse> {
    throw new Error('not used by the route tests; the scheduler tests cover it');
  }

  /** Deployments retried, with what the route passed on. */
  readonly retries: { deploymentId: string; confirmLargeBlastRadius: boolean; who: string }[] = [];

  /** Stores a copy of the deployment by its caller; the scheduler tests cover the real choice of hosts. */
  async retryFailed(deploymentId: string, opts: { who: string; confirmLargeBlastRadius: boolean }): Promise<string> {
    this.retries.push({ deploymentId, confirmLargeBlastRadius: opts.confirmLargeBlastRadius, who: opts.who });
    const id = newId('d');
    this.db
      .prepare(
        `INSERT INTO deployments (deployment_id, application_id, deployment_group_id, revision_id, deployment_config_name,
         status, creator, file_exists_behavior, ignore_application_stop_failures, parameters, description, created_at)
         SELECT ?, application_id, deployment_group_id, revision_id, deployment_config_name, 'Created', ?,
         file_exists_behavior, ignore_application_stop_failures, parameters, description, ?
         FROM deployments WHERE deployment_id = ?`,
      )
      .run(id, opts.who, this.clock.now().toISOString(), deploymentId);
    return id;
  }

  async promoteDeployment(): Promise<RolloutActionResponse> {
    throw new Error('not used by the route tests; the scheduler tests cover it');
  }

  async changeRollout(): Promise<RolloutActionResponse> {
    throw new Error('not used by the route tests; the scheduler tests cover it');
  }

  async instanceChanged(instanceId: string): Promise<string[]> {
    this.changedInstances.push(instanceId);
    return [];
  }
}

/** Everything a route test needs. */
export interface Harness {
  app: FastifyInstance;
  store: SqliteStore;
  db: Db;
  clock: FakeClock;
  dir: string;
  artifacts: ArtifactStore;
  scheduler: StoreDeploymentService;
  connected: Set<string>;
  /** `instanceId revisionId` pairs the fake hub says are being preflighted. */
  preflighting: Set<string>;
  adminToken: string;
  auth: { authorization: string };
  close(): Promise<void>;
}

/** The token hasher of every harness (a fixed key: tests look tokens up by their secrets). */
export const testHasher = tokenHasher(Buffer.alloc(32, 7));

/** Builds the API over a fresh store with one admin token. */
export async function startHarness(opts: { maxBytes?: number; scheduler?: DeploymentService; logger?: Logger; dashboardDir?: string; traffic?: (store: SqliteStore) => TrafficApi } = {}): Promise<Harness> {
  const { dir, remove } = tempDir();
  const store = openSqliteStore(path.join(dir, 'coordinator.db'));
  const db = store.db;
  const clock = new FakeClock();
  const artifacts = new ArtifactStore({ root: path.join(dir, 'artifacts'), ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}) });
  const scheduler = new StoreDeploymentService(store, clock);
  const connected = new Set<string>();
  const preflighting = new Set<string>();
  const hub = { isConnected: (id: string) => connected.has(id), isPreflighting: (id: string, revisionId: string) => preflighting.has(`${id} ${revisionId}`) };
  const app = buildApi({
    store, clock, logger: opts.logger ?? silentLogger(), artifacts, scheduler: opts.scheduler ?? scheduler, hub, nonces: new NonceCache(store.nonces), tokenHasher: testHasher,
    dashboardDir: opts.dashboardDir ?? path.join(dir, 'no-dashboard'),
    ...(opts.traffic ? { traffic: opts.traffic(store) } : {}),
  });
  await app.ready();
  const adminToken = 'dh_test-admin-token';
  insertApiToken(db, { name: 'admin', role: 'admin', applications: null, groups: null, hash: testHasher.hash(adminToken), createdAt: clock.now().toISOString() });
  const close = async (): Promise<void> => {
    await app.close();
    await store.close();
    remove();
  };
  return { app, store, db, clock, dir, artifacts, scheduler, connected, preflighting, adminToken, auth: { authorization: `Bearer ${adminToken}` }, close };
}

/** A fresh Ed25519 key pair, as an agent makes at registration. */
export function agentKeys(): { publicKeyPem: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

/** Signature headers for a request, as agent/src/identity/sign.ts makes them. */
export function signedHeaders(
  instanceId: string,
  privateKey: KeyObject,
  method: string,
  urlPath: string,
  at: Date,
  nonce: string = randomBytes(16).toString('base64url'),
): Record<string, string> {
  const timestamp = String(at.getTime());
  const signature = sign(null, signingPayload({ instanceId, timestamp, nonce, method, path: urlPath }), privateKey).toString('base64');
  return {
    [SIGNATURE_HEADERS.instance]: instanceId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature,
  };
}

/** Every METHOD /path fastify has, read from its own route tree (HEAD twins left out). */
export function fastifyRoutes(h: Pick<Harness, 'app'>): { method: string; url: string }[] {
  const stack: string[] = [];
  const out: { method: string; url: string }[] = [];
  for (const line of h.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.+) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = (m[1] as string).length / 4;
    stack.length = depth;
    const url = (stack[depth - 1] ?? '') + (m[2] as string);
    stack[depth] = url;
    for (const method of (m[3] as string).split(', ')) if (method !== 'HEAD') out.push({ method, url });
  }
  return out;
}
