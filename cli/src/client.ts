/**
 * A typed client of the coordinator's HTTP API (/v1), over node:http(s) (common/src/http-request.ts)
 * with the CA the operator pinned, if any. Every non-2xx
 * answer becomes an {@link ApiError} with the coordinator's code, message and field; a
 * coordinator that cannot be reached becomes a {@link CliError} saying so.
 */
import type {
  ApplicationView,
  ApiErrorBody,
  CreateDeploymentGroupRequest,
  CreateDeploymentRequest,
  CreateRegistrationTokenRequest,
  DeploymentGroupView,
  DeploymentSummary,
  DeploymentView,
  InstanceView,
  RegisterExternalRevisionRequest,
  RegistrationTokenView,
  RevisionView,
} from '../../protocol/src/api.ts';
import type {
  CreateDeploymentConfigRequest,
  DeploymentConfigView,
  DeploymentPlan,
  PreflightResponse,
  RollbackRequest,
  StopDeploymentRequest,
} from '../../protocol/src/orchestration.ts';
import type { RolloutActionResponse } from '../../protocol/src/rollout.ts';
import type { ChangeRolloutRequest, CreateHealthCheckRequest, HealthCheckView, ReplayResponse, RetryFailedRequest } from '../../protocol/src/health.ts';
import type { LogPage } from '../../protocol/src/logs.ts';
import type { DeploymentList, RemovalResult, UpdateDeploymentGroupRequest } from '../../protocol/src/fleet.ts';
import type { CreatedWebhook, CreateWebhookRequest, DeliveryView, WebhookView } from '../../protocol/src/webhooks.ts';
import { readSse, type SseEvent } from './sse.ts';
import type { BundleType, RevisionSignature } from '../../protocol/src/schemas.ts';
import type { ApiTokenView, AuditRecordView, AuditVerifyResponse, CreateApiTokenRequest } from '../../protocol/src/access.ts';
import { isErrorCode } from '../../protocol/src/errors.ts';
import type { GroupTrafficSettingsView, GroupTrafficView, SetGroupTrafficRequest } from '../../protocol/src/traffic-api.ts';
import { readFile } from 'node:fs/promises';
import { httpRequest, readText } from '../../common/src/http-request.ts';
import { pinnedCaFromPem, resolvePinnedCa, TrustError } from '../../common/src/tls-trust.ts';
import { ApiError, CliError, UnreachableError } from './errors.ts';
import type { CaTrust, Connection } from './args.ts';

/** Options of one request. */
interface RequestOptions {
  json?: unknown;
  /** A raw body, streamed (e.g. a bundle being packed). */
  body?: AsyncIterable<Uint8Array>;
  query?: Record<string, string | undefined>;
  /** The answer is text, returned as `{ pem: text }`. */
  text?: boolean;
}

/** Options of {@link DeckhandClient.uploadRevision}. */
export interface UploadOptions {
  bundleType: BundleType;
  description?: string;
}

/** Filters of {@link DeckhandClient.listDeployments}. */
export interface DeploymentFilter {
  application?: string;
  group?: string;
  status?: string;
  /** Page size. */
  limit?: number;
  /** From the previous page. */
  nextToken?: string;
}

/** Filters of {@link DeckhandClient.listInstances}. */
export interface InstanceFilter {
  /** `k=v` (or `k`: any value), all must match. */
  tags?: string[];
  offline?: boolean;
}

/** Which lines of a deployment's hook output: one host (id or hostname), one event, after a cursor. */
export interface LogFilter {
  instance?: string;
  event?: string;
  after?: number;
  limit?: number;
}

/** The coordinator's HTTP API as typed methods. */
export class DeckhandClient {
  readonly #urls: readonly string[];
  #current = 0;
  readonly #token: string;
  readonly #trust: CaTrust;
  #ca: Promise<string[] | undefined> | undefined;

  constructor(connection: Connection) {
    this.#urls = (connection.urls ?? [connection.url]).map((u) => u.replace(/\/+$/, ''));
    this.#token = connection.token;
    this.#trust = connection.trust;
  }

  /** The coordinator in use (the one that last answered, among several). */
  get url(): string {
    return this.#urls[this.#current]!;
  }

  /** POST /v1/applications. */
  createApplication(name: string): Promise<ApplicationView> {
    return this.#request('POST', '/v1/applications', { json: { name } });
  }

  /** GET /v1/applications. */
  async listApplications(): Promise<ApplicationView[]> {
    const res = await this.#request<{ applications: ApplicationView[] }>('GET', '/v1/applications');
    return res.applications;
  }

  /** Creates the application unless it exists; true when it was created. */
  async ensureApplication(name: string): Promise<boolean> {
    // Look first: a deployer may push to an application it may not create.
    if ((await this.listApplications()).some((a) => a.name === name)) return false;
    try {
      await this.createApplication(name);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CONFLICT') return false;
      // Not allowed to create it (or to see it): the upload's own answer says what is wrong.
      if (err instanceof ApiError && err.code === 'FORBIDDEN') return false;
      throw err;
    }
  }

  /** POST /v1/applications/:app/deployment-groups. */
  createDeploymentGroup(application: string, req: CreateDeploymentGroupRequest): Promise<DeploymentGroupView> {
    return this.#request('POST', `/v1/applications/${enc(application)}/deployment-groups`, { json: req });
  }

  /** GET /v1/applications/:app/deployment-groups/:group. */
  getDeploymentGroup(application: string, group: string): Promise<DeploymentGroupView> {
    return this.#request('GET', `/v1/applications/${enc(application)}/deployment-groups/${enc(group)}`);
  }

  /** POST /v1/applications/:app/revisions with the bundle bytes streamed from `body`. */
  uploadRevision(application: string, body: AsyncIterable<Uint8Array>, opts: UploadOptions): Promise<RevisionView> {
    return this.#request('POST', `/v1/applications/${enc(application)}/revisions`, {
      body,
      query: { bundleType: opts.bundleType, description: opts.description },
    });
  }

  /** GET /v1/revisions/:id. */
  getRevision(revisionId: string): Promise<RevisionView> {
    return this.#request('GET', `/v1/revisions/${enc(revisionId)}`);
  }

  /** POST /v1/deployments; answers the new deployment without its targets. */
  createDeployment(req: CreateDeploymentRequest): Promise<DeploymentSummary> {
    return this.#request('POST', '/v1/deployments', { json: req });
  }

  /** GET /v1/deployments/:id. */
  getDeployment(deploymentId: string): Promise<DeploymentView> {
    return this.#request('GET', `/v1/deployments/${enc(deploymentId)}`);
  }

  /** GET /v1/deployments: newest first, without their targets ({@link getDeployment} has them). */
  async listDeployments(filter: DeploymentFilter = {}): Promise<DeploymentSummary[]> {
    return (await this.listDeploymentPage(filter)).deployments;
  }

  /** GET /v1/deployments: one page, and the token of the next one. */
  listDeploymentPage(filter: DeploymentFilter = {}): Promise<DeploymentList> {
    return this.#request('GET', '/v1/deployments', {
      query: {
        application: filter.application,
        group: filter.group,
        status: filter.status,
        limit: filter.limit === undefined ? undefined : String(filter.limit),
        nextToken: filter.nextToken,
      },
    });
  }

  /** GET /v1/deployments/:id/logs: one page of hook output. */
  getLogs(deploymentId: string, filter: LogFilter = {}): Promise<LogPage> {
    return this.#request('GET', `/v1/deployments/${enc(deploymentId)}/logs`, { query: logQuery(filter) });
  }

  /**
   * GET /v1/deployments/:id/logs?follow=1: the Server-Sent Events of new hook output, after
   * `filter.after`, until the coordinator ends the stream or `signal` aborts.
   */
  async *followLogs(deploymentId: string, filter: LogFilter, signal?: AbortSignal): AsyncGenerator<SseEvent> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'text/event-stream' };
    const ca = await this.#trustedCa();
    const url = `${this.url}/v1/deployments/${enc(deploymentId)}/logs${queryString({ ...logQuery(filter), follow: '1' })}`;
    let res;
    try {
      res = await httpRequest(url, { headers, ...(ca ? { ca } : {}), ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) return;
      throw unreachable(this.url, err);
    }
    if (res.status < 200 || res.status > 299) throw toApiError(res.status, await readText(res.body));
    try {
      yield* readSse(res.body);
    } catch (err) {
      if (signal?.aborted) return;
      throw unreachable(this.url, err);
    } finally {
      res.body.destroy();
    }
  }

  /** GET /v1/instances, by tag and offline when asked. */
  async listInstances(filter: InstanceFilter = {}): Promise<InstanceView[]> {
    const query = new URLSearchParams();
    for (const tag of filter.tags ?? []) query.append('tag', tag);
    if (filter.offline) query.set('offline', '1');
    const qs = query.toString();
    const res = await this.#request<{ instances: InstanceView[] }>('GET', `/v1/instances${qs === '' ? '' : `?${qs}`}`);
    return res.instances;
  }

  /** GET /v1/applications/:app/deployment-groups. */
  async listDeploymentGroups(application: string): Promise<DeploymentGroupView[]> {
    const res = await this.#request<{ deploymentGroups: DeploymentGroupView[] }>('GET', `/v1/applications/${enc(application)}/deployment-groups`);
    return res.deploymentGroups;
  }

  /** PATCH /v1/applications/:app/deployment-groups/:group. */
  updateDeploymentGroup(application: string, group: string, req: UpdateDeploymentGroupRequest): Promise<DeploymentGroupView> {
    return this.#request('PATCH', `/v1/applications/${enc(application)}/deployment-groups/${enc(group)}`, { json: req });
  }

  /** DELETE /v1/applications/:app/deployment-groups/:group. */
  deleteDeploymentGroup(application: string, group: string): Promise<RemovalResult> {
    return this.#request('DELETE', `/v1/applications/${enc(application)}/deployment-groups/${enc(group)}`);
  }

  /** DELETE /v1/applications/:app. */
  deleteApplication(application: string): Promise<RemovalResult> {
    return this.#request('DELETE', `/v1/applications/${enc(application)}`);
  }

  /** GET /v1/applications/:app/revisions. */
  async listRevisions(application: string): Promise<RevisionView[]> {
    const res = await this.#request<{ revisions: RevisionView[] }>('GET', `/v1/applications/${enc(application)}/revisions`);
    return res.revisions;
  }

  /** DELETE /v1/revisions/:id. */
  deleteRevision(revisionId: string): Promise<RemovalResult> {
    return this.#request('DELETE', `/v1/revisions/${enc(revisionId)}`);
  }

  /** The webhooks of a group: create (the answer has the secret, once), list, delete, test, deliveries. */
  webhooks(application: string, group: string) {
    const base = `/v1/applications/${enc(application)}/deployment-groups/${enc(group)}/webhooks`;
    return {
      create: (req: CreateWebhookRequest): Promise<CreatedWebhook> => this.#request('POST', base, { json: req }),
      list: async (): Promise<WebhookView[]> => (await this.#request<{ webhooks: WebhookView[] }>('GET', base)).webhooks,
      remove: (name: string): Promise<unknown> => this.#request('DELETE', `${base}/${enc(name)}`),
      test: (name: string): Promise<{ deliveryId: string }> => this.#request('POST', `${base}/${enc(name)}/test`, { json: {} }),
      deliveries: async (name: string): Promise<DeliveryView[]> => (await this.#request<{ deliveries: DeliveryView[] }>('GET', `${base}/${enc(name)}/deliveries`)).deliveries,
    };
  }

  /** DELETE /v1/deployment-configs/:name. */
  deleteDeploymentConfig(name: string): Promise<RemovalResult> {
    return this.#request('DELETE', `/v1/deployment-configs/${enc(name)}`);
  }

  /** POST /v1/deployments/plan: what the deployment would do, without starting it. */
  planDeployment(req: CreateDeploymentRequest): Promise<DeploymentPlan> {
    return this.#request('POST', '/v1/deployments/plan', { json: req });
  }

  /** POST /v1/deployments/preflight: every target agent checks the revision; nothing is deployed. */
  preflightDeployment(req: CreateDeploymentRequest): Promise<PreflightResponse> {
    return this.#request('POST', '/v1/deployments/preflight', { json: req });
  }

  /** POST /v1/deployments/:id/stop. */
  stopDeployment(deploymentId: string, req: StopDeploymentRequest = {}): Promise<{ status: string; statusMessage: string }> {
    return this.#request('POST', `/v1/deployments/${enc(deploymentId)}/stop`, { json: req });
  }

  /** POST /v1/deployments/:id/pause | resume | approve | promote. */
  rolloutAction(deploymentId: string, action: 'pause' | 'resume' | 'approve' | 'promote'): Promise<RolloutActionResponse> {
    return this.#request('POST', `/v1/deployments/${enc(deploymentId)}/${action}`, { json: {} });
  }

  /** POST /v1/deployments/:id/rollout: batch size or bake of a running deployment. */
  changeRollout(deploymentId: string, req: ChangeRolloutRequest): Promise<RolloutActionResponse> {
    return this.#request('POST', `/v1/deployments/${enc(deploymentId)}/rollout`, { json: req });
  }

  /** POST /v1/deployments/:id/retry-failed; answers the new deployment without its targets. */
  retryFailed(deploymentId: string, req: RetryFailedRequest = {}): Promise<DeploymentSummary> {
    return this.#request('POST', `/v1/deployments/${enc(deploymentId)}/retry-failed`, { json: req });
  }

  /** POST /v1/health-checks. */
  createHealthCheck(req: CreateHealthCheckRequest): Promise<HealthCheckView> {
    return this.#request('POST', '/v1/health-checks', { json: req });
  }

  /** GET /v1/health-checks. */
  async listHealthChecks(): Promise<HealthCheckView[]> {
    return (await this.#request<{ healthChecks: HealthCheckView[] }>('GET', '/v1/health-checks')).healthChecks;
  }

  /** DELETE /v1/health-checks/:name. */
  deleteHealthCheck(name: string): Promise<HealthCheckView> {
    return this.#request('DELETE', `/v1/health-checks/${enc(name)}`);
  }

  /** GET /v1/health-checks/:name/replay. */
  replayHealthCheck(name: string, query: { from: string; to: string; step?: number; canary?: string; baseline?: string }): Promise<ReplayResponse> {
    const q: Record<string, string | undefined> = { from: query.from, to: query.to, step: query.step?.toString(), canary: query.canary, baseline: query.baseline };
    return this.#request('GET', `/v1/health-checks/${enc(name)}/replay`, { query: q });
  }

  /** POST /v1/applications/:app/deployment-groups/:group/rollback; answers the new deployment without its targets. */
  rollbackGroup(application: string, group: string, req: RollbackRequest = {}): Promise<DeploymentSummary> {
    return this.#request('POST', `/v1/applications/${enc(application)}/deployment-groups/${enc(group)}/rollback`, { json: req });
  }

  /** POST /v1/deployment-configs. */
  createDeploymentConfig(req: CreateDeploymentConfigRequest): Promise<DeploymentConfigView> {
    return this.#request('POST', '/v1/deployment-configs', { json: req });
  }

  /** GET /v1/deployment-configs. */
  async listDeploymentConfigs(): Promise<DeploymentConfigView[]> {
    const res = await this.#request<{ deploymentConfigs: DeploymentConfigView[] }>('GET', '/v1/deployment-configs');
    return res.deploymentConfigs;
  }

  /** POST /v1/instances/:id/tags: sets tags (existing keys are overwritten). */
  tagInstance(instanceId: string, tags: Record<string, string>): Promise<InstanceView> {
    return this.#request('POST', `/v1/instances/${enc(instanceId)}/tags`, { json: { tags } });
  }

  /** POST /v1/instances/:id/tags/remove. */
  untagInstance(instanceId: string, keys: string[]): Promise<InstanceView> {
    return this.#request('POST', `/v1/instances/${enc(instanceId)}/tags/remove`, { json: { keys } });
  }

  /** GET /v1/tls/ca.pem: the coordinator's own CA (--tls auto), or undefined when it has none. */
  async coordinatorCa(): Promise<string | undefined> {
    try {
      return (await this.#request<{ pem: string }>('GET', '/v1/tls/ca.pem', { text: true })).pem;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** POST /v1/registration-tokens; the answer carries the secret token, only this once. */
  createRegistrationToken(req: CreateRegistrationTokenRequest): Promise<RegistrationTokenView> {
    return this.#request('POST', '/v1/registration-tokens', { json: req });
  }

  /** GET /v1/registration-tokens (never their secrets). */
  async listRegistrationTokens(): Promise<RegistrationTokenView[]> {
    return (await this.#request<{ registrationTokens: RegistrationTokenView[] }>('GET', '/v1/registration-tokens')).registrationTokens;
  }

  /** DELETE /v1/registration-tokens/:id. */
  revokeRegistrationToken(tokenId: string): Promise<RegistrationTokenView> {
    return this.#request('DELETE', `/v1/registration-tokens/${enc(tokenId)}`);
  }

  /** POST /v1/api-tokens; the answer carries the secret token, only this once. */
  createApiToken(req: CreateApiTokenRequest): Promise<ApiTokenView> {
    return this.#request('POST', '/v1/api-tokens', { json: req });
  }

  /** GET /v1/api-tokens. */
  async listApiTokens(): Promise<ApiTokenView[]> {
    return (await this.#request<{ apiTokens: ApiTokenView[] }>('GET', '/v1/api-tokens')).apiTokens;
  }

  /** DELETE /v1/api-tokens/:name. */
  revokeApiToken(name: string): Promise<ApiTokenView> {
    return this.#request('DELETE', `/v1/api-tokens/${enc(name)}`);
  }

  /** DELETE /v1/instances/:id (?force=true: even while it is connected, closing its connection). */
  async deregisterInstance(instanceId: string, force = false): Promise<void> {
    await this.#request('DELETE', `/v1/instances/${enc(instanceId)}`, force ? { query: { force: 'true' } } : {});
  }

  /** GET /v1/audit. */
  async listAudit(query: { since?: string; actor?: string; after?: number; limit?: number }): Promise<AuditRecordView[]> {
    const q = { since: query.since, actor: query.actor, after: query.after?.toString(), limit: query.limit?.toString() };
    return (await this.#request<{ records: AuditRecordView[] }>('GET', '/v1/audit', { query: q })).records;
  }

  /** GET /v1/audit/verify. */
  verifyAudit(): Promise<AuditVerifyResponse> {
    return this.#request('GET', '/v1/audit/verify');
  }

  /** POST /v1/applications/:app/revisions/external: a revision kept in S3 or at an https URL. */
  registerExternalRevision(application: string, req: RegisterExternalRevisionRequest): Promise<RevisionView> {
    return this.#request('POST', `/v1/applications/${enc(application)}/revisions/external`, { json: req });
  }

  /** PUT /v1/revisions/:id/signature. */
  signRevision(revisionId: string, signature: RevisionSignature): Promise<RevisionView> {
    return this.#request('PUT', `/v1/revisions/${enc(revisionId)}/signature`, { json: signature });
  }

  /** PUT /v1/applications/:app/deployment-groups/:group/traffic. */
  setGroupTraffic(application: string, group: string, req: SetGroupTrafficRequest): Promise<GroupTrafficSettingsView> {
    return this.#request('PUT', `/v1/applications/${enc(application)}/deployment-groups/${enc(group)}/traffic`, { json: req });
  }

  /** GET /v1/applications/:app/deployment-groups/:group/traffic. */
  getGroupTraffic(application: string, group: string): Promise<GroupTrafficView> {
    return this.#request('GET', `/v1/applications/${enc(application)}/deployment-groups/${enc(group)}/traffic`);
  }

  async #request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json' };
    let body: string | AsyncIterable<Uint8Array> | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      body = opts.body;
    }
    const ca = await this.#trustedCa();
    const { status, text } = await this.#send(method, path + queryString(opts.query), { headers, ...(body === undefined ? {} : { body }), ...(ca ? { ca } : {}) });
    if (status < 200 || status > 299) throw toApiError(status, text);
    if (opts.text) return { pem: text } as T;
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /**
   * Sends to the coordinator in use; when it cannot be reached, to the next one (several
   * sharing one store). A request that may have reached a coordinator is not sent again
   * elsewhere unless it reads only, nor one whose body is a stream (it is spent).
   */
  async #send(method: string, path: string, init: { headers: Record<string, string>; body?: string | AsyncIterable<Uint8Array>; ca?: string[] }): Promise<{ status: number; text: string }> {
    for (let tried = 1; ; tried++) {
      try {
        const res = await httpRequest(this.url + path, { method, ...init });
        return { status: res.status, text: await readText(res.body) };
      } catch (err) {
        const again = tried < this.#urls.length && typeof init.body !== 'object' && (method === 'GET' || neverConnected(err));
        if (!again) throw unreachable(this.url, err);
        this.#current = (this.#current + 1) % this.#urls.length;
      }
    }
  }

  /** The CA trusted for the coordinator: from --ca-file, or the presented one matching --ca-sha256. */
  #trustedCa(): Promise<string[] | undefined> {
    this.#ca ??= (async () => {
      const trust = this.#trust;
      if (trust === undefined) return undefined;
      try {
        if ('caFile' in trust) return [pinnedCaFromPem(await readFile(trust.caFile, 'utf8'), trust.caFile).pem];
        return [(await resolvePinnedCa(this.url, trust.caSha256)).pem];
      } catch (err) {
        if (err instanceof TrustError) throw new CliError(err.message, { exitCode: 1, cause: err });
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && 'caFile' in trust) throw new CliError(`--ca-file ${trust.caFile} does not exist`, { exitCode: 2 });
        throw unreachable(this.url, err);
      }
    })();
    return this.#ca;
  }
}

function logQuery(filter: LogFilter): Record<string, string | undefined> {
  return {
    instance: filter.instance,
    event: filter.event,
    after: filter.after === undefined ? undefined : String(filter.after),
    limit: filter.limit === undefined ? undefined : String(filter.limit),
  };
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function queryString(query: Record<string, string | undefined> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** Builds the error for a non-2xx answer; a body that is not an ApiErrorBody still gets a code. */
export function toApiError(status: number, text: string): ApiError {
  let parsed: Partial<ApiErrorBody> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<ApiErrorBody>;
  } catch {
    // Not JSON (a proxy's HTML page, say): fall through to the status-based error below.
  }
  const e = parsed?.error;
  if (e !== undefined && isErrorCode(e.code) && typeof e.message === 'string') {
    return new ApiError(status, e.code, e.message, typeof e.field === 'string' ? e.field : undefined);
  }
  const code = status === 401 ? 'AUTH_FAILED' : status === 404 ? 'NOT_FOUND' : 'INTERNAL';
  return new ApiError(status, code, `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`);
}

/** The error for a request that never got an answer. */
function unreachable(url: string, err: unknown): CliError {
  const code = networkCode(err);
  // A TLS failure is not "is it running?": say what is wrong with the certificate.
  if (code !== undefined && TLS_CODES.test(code)) {
    return new CliError(`the coordinator at ${url} failed the TLS check: ${(err as Error).message} [${code}] (see --ca-file / --ca-sha256)`, { cause: err });
  }
  const detail = code === undefined || code === 'ECONNREFUSED' ? '' : ` [${code}]`;
  return new UnreachableError(url, detail, err);
}

/** True when the request never reached the coordinator (nothing listens there, or no route to it). */
function neverConnected(err: unknown): boolean {
  return ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(networkCode(err) ?? '');
}

/** Node's codes for a certificate that did not verify (unknown CA, wrong name, dates, self-signed). */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS_|ERR_SSL_/;

function networkCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: { code?: unknown }[]; cause?: { code?: unknown } };
  for (const code of [e.code, e.errors?.[0]?.code, e.cause?.code]) if (typeof code === 'string') return code;
  return undefined;
}
