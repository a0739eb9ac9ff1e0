/**
 * What the OpenAPI document says about each route: a summary and the protocol zod schemas of
 * its request body, query and JSON answer. Keyed `METHOD /path` with fastify's `:param` syntax;
 * a route registered without an entry here makes the document test fail.
 */
import { z } from 'zod';
import {
  ApiTokenView,
  ApplicationView,
  ChangeRolloutRequest,
  CreateHealthCheckRequest,
  HealthCheckView,
  ReplayQuery,
  ReplayResponse,
  RetryFailedRequest,
  AuditQuery,
  AuditRecordView,
  AuditVerifyResponse,
  CreateApiTokenRequest,
  RevisionSignatureSchema,
  RegisterExternalRevisionRequest,
  CreateApplicationRequest,
  CreateDeploymentConfigRequest,
  CreateDeploymentGroupRequest,
  CreateDeploymentRequest,
  CreateRegistrationTokenRequest,
  DeploymentConfigView,
  DeploymentGroupView,
  DeploymentPlan,
  DeploymentSummary,
  DeploymentView,
  InstanceView,
  PreflightResponse,
  RegisterInstanceRequest,
  RegisterInstanceResponse,
  RegistrationTokenView,
  RevisionView,
  RollbackRequest,
  RolloutActionResponse,
  StopDeploymentRequest,
  TagInstanceRequest,
  UntagInstanceRequest,
} from '../../../protocol/src/index.ts';
import { ListDeploymentsQuery, UploadRevisionQuery } from './schemas.ts';

/** One documented route. `response` absent: the answer is not JSON (bytes, a script). */
export interface RouteDoc {
  summary: string;
  body?: z.ZodType;
  /** A raw (non-JSON) request body, e.g. a bundle upload. */
  rawBody?: string;
  query?: z.ZodType;
  response?: z.ZodType;
  /** Status of a success (default 200). */
  status?: number;
  /** Content type of a non-JSON answer. */
  produces?: string;
}

const list = <K extends string>(key: K, item: z.ZodType) => z.strictObject({ [key]: z.array(item) } as Record<K, z.ZodArray<z.ZodType>>);
const StopResult = z.strictObject({ status: z.enum(['Pending', 'Succeeded']), statusMessage: z.string() });
const rollout = (what: string): RouteDoc => ({ summary: what, response: RolloutActionResponse });

/** Every route of the API. */
export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /healthz': { summary: 'Liveness check', response: z.strictObject({ ok: z.literal(true) }) },
  'GET /v1/openapi.json': { summary: 'This OpenAPI document', response: z.record(z.string(), z.unknown()) },
  'POST /v1/applications': { summary: 'Create an application', body: CreateApplicationRequest, response: ApplicationView, status: 201 },
  'GET /v1/applications': { summary: 'List applications', response: list('applications', ApplicationView) },
  'POST /v1/applications/:app/deployment-groups': { summary: 'Create a deployment group', body: CreateDeploymentGroupRequest, response: DeploymentGroupView, status: 201 },
  'GET /v1/applications/:app/deployment-groups': { summary: 'List deployment groups', response: list('deploymentGroups', DeploymentGroupView) },
  'GET /v1/applications/:app/deployment-groups/:group': { summary: 'Get a deployment group', response: DeploymentGroupView },
  'POST /v1/applications/:app/deployment-groups/:group/rollback': { summary: 'Roll the group back to its last successful revision', body: RollbackRequest, response: DeploymentSummary, status: 201 },
  'POST /v1/applications/:app/revisions': { summary: 'Upload a revision bundle', rawBody: 'application/octet-stream', query: UploadRevisionQuery, response: RevisionView, status: 201 },
  'POST /v1/applications/:app/revisions/external': { summary: 'Register a revision kept in S3 or at an https URL, which agents download themselves', body: RegisterExternalRevisionRequest, response: RevisionView, status: 201 },
  'GET /v1/revisions/:id': { summary: 'Get a revision', response: RevisionView },
  'GET /v1/revisions/:id/content': { summary: 'Download a revision bundle (a token that may read it, or a signed agent)', produces: 'application/octet-stream' },
  'POST /v1/deployments': { summary: 'Create a deployment (answers it without its targets)', body: CreateDeploymentRequest, response: DeploymentSummary, status: 201 },
  'POST /v1/deployments/plan': { summary: 'Plan a deployment without starting it', body: CreateDeploymentRequest, response: DeploymentPlan },
  'POST /v1/deployments/preflight': { summary: 'Ask every target agent to check the revision, without deploying', body: CreateDeploymentRequest, response: PreflightResponse },
  'GET /v1/deployments': { summary: 'List deployments', query: ListDeploymentsQuery, response: list('deployments', DeploymentSummary) },
  'GET /v1/deployments/:id': { summary: 'Get a deployment with its targets and lifecycle events', response: DeploymentView },
  'POST /v1/deployments/:id/stop': { summary: 'Stop a queued or running deployment', body: StopDeploymentRequest, response: StopResult },
  'POST /v1/deployments/:id/pause': rollout('Pause a running deployment: running hosts finish, no new host starts'),
  'POST /v1/deployments/:id/resume': rollout('Resume a paused deployment'),
  'POST /v1/deployments/:id/approve': rollout('Approve a deployment waiting after its first batch'),
  'POST /v1/deployments/:id/promote': rollout('Start the next step now: end the bake and the analysis between two steps'),
  'POST /v1/deployments/:id/rollout': { summary: 'Change the batch size or the bake of a running deployment', body: ChangeRolloutRequest, response: RolloutActionResponse },
  'POST /v1/deployments/:id/retry-failed': { summary: "Deploy an ended deployment's revision again to its failed and skipped hosts", body: RetryFailedRequest, response: DeploymentSummary, status: 201 },
  'POST /v1/health-checks': { summary: 'Create a health check (http, prometheus, command or webhook)', body: CreateHealthCheckRequest, response: HealthCheckView, status: 201 },
  'GET /v1/health-checks': { summary: 'List health checks (secrets hidden)', response: list('healthChecks', HealthCheckView) },
  'GET /v1/health-checks/:name': { summary: 'Get a health check (secrets hidden)', response: HealthCheckView },
  'DELETE /v1/health-checks/:name': { summary: 'Delete a health check no alarm or analysis names', response: HealthCheckView },
  'GET /v1/health-checks/:name/replay': { summary: 'What a prometheus check would have said over a past window', query: ReplayQuery, response: ReplayResponse },
  'POST /v1/deployment-configs': { summary: 'Create a custom deployment configuration', body: CreateDeploymentConfigRequest, response: DeploymentConfigView, status: 201 },
  'GET /v1/deployment-configs': { summary: 'List deployment configurations', response: list('deploymentConfigs', DeploymentConfigView) },
  'GET /v1/instances': { summary: 'List instances', response: list('instances', InstanceView) },
  'POST /v1/instances/:id/tags': { summary: 'Set tags on an instance', body: TagInstanceRequest, response: InstanceView },
  'POST /v1/instances/:id/tags/remove': { summary: 'Remove tags from an instance', body: UntagInstanceRequest, response: InstanceView },
  'DELETE /v1/instances/:id': { summary: 'Deregister an instance (an operator token, or the instance itself signed)', status: 204 },
  'POST /v1/registration-tokens': { summary: 'Create a registration token', body: CreateRegistrationTokenRequest, response: RegistrationTokenView, status: 201 },
  'DELETE /v1/registration-tokens/:id': { summary: 'Revoke a registration token: no host can register with it any more', response: RegistrationTokenView },
  'POST /v1/api-tokens': { summary: 'Create a named API token with a role and a scope (the secret is in this answer only)', body: CreateApiTokenRequest, response: ApiTokenView, status: 201 },
  'GET /v1/api-tokens': { summary: 'List API tokens (never their secrets)', response: list('apiTokens', ApiTokenView) },
  'DELETE /v1/api-tokens/:name': { summary: 'Revoke the live API token of this name (the last admin token cannot be revoked)', response: ApiTokenView },
  'GET /v1/audit': { summary: 'Read the audit log, oldest first', query: AuditQuery, response: list('records', AuditRecordView) },
  'GET /v1/audit/verify': { summary: "Check the audit log's hash chain from its first record", response: AuditVerifyResponse },
  'PUT /v1/revisions/:id/signature': { summary: "Attach an operator's signature to a revision (agents with trusted keys check it)", body: RevisionSignatureSchema, response: RevisionView },
  'GET /v1/registration-tokens': { summary: 'List registration tokens (without secrets)', response: list('registrationTokens', RegistrationTokenView) },
  'POST /v1/register': { summary: 'Register a host with a registration token', body: RegisterInstanceRequest, response: RegisterInstanceResponse, status: 201 },
  'GET /v1/agent/package': { summary: 'Download the agent package', produces: 'application/gzip' },
  'GET /v1/agent/package.sha256': { summary: 'SHA-256 of the agent package', produces: 'text/plain' },
  'GET /install.sh': { summary: 'The Linux installer script', produces: 'text/x-shellscript' },
  'GET /install.ps1': { summary: 'The Windows installer script', produces: 'text/plain' },
  'GET /v1/tls/ca.pem': { summary: "The coordinator's own CA certificate (--tls auto); check it by its SHA-256 before trusting it", produces: 'application/x-pem-file' },
};
