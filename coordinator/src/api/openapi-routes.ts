/**
 * What the OpenAPI document says about each route: a summary and the protocol zod schemas of
 * its request body, query and JSON answer. Keyed `METHOD /path` with fastify's `:param` syntax;
 * a route registered without an entry here makes the document test fail.
 */
import { z } from 'zod';
import {
  ApiTokenView,
  ApplicationView,
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
  CreatedWebhook,
  CreateWebhookRequest,
  DeliveryView,
  DeploymentList,
  WebhookView,
  LogPage,
  RemovalResult,
  RevisionList,
  UpdateDeploymentGroupRequest,
  LogsQuery,
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
  SetGroupTrafficRequest,
  GroupTrafficSettingsView,
  GroupTrafficView,
} from '../../../protocol/src/index.ts';
import { DeregisterQuery, ListDeploymentsQuery, ListInstancesQuery, UploadRevisionQuery } from './schemas.ts';

/** One documented route. `response` absent: the answer is not JSON (bytes, a script). */
export interface RouteDoc {
  summary: string;
  body?: z.core.$ZodType;
  /** A raw (non-JSON) request body, e.g. a bundle upload. */
  rawBody?: string;
  query?: z.core.$ZodType;
  response?: z.core.$ZodType;
  /** Status of a success (default 200). */
  status?: number;
  /** Content type of a non-JSON answer. */
  produces?: string;
}

const list = <K extends string>(key: K, item: z.core.$ZodType) => z.strictObject({ [key]: z.array(item) } as Record<K, z.ZodArray<z.core.$ZodType>>);
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
  'PUT /v1/applications/:app/deployment-groups/:group/traffic': { summary: "Set a group's traffic control, deployment style and blue/green configuration (checked against its balancer and hosts first)", body: SetGroupTrafficRequest, response: GroupTrafficSettingsView },
  'GET /v1/applications/:app/deployment-groups/:group/traffic': { summary: "Where each host of the group stands on its load balancer", response: GroupTrafficView },
  'POST /v1/applications/:app/deployment-groups/:group/rollback': { summary: 'Roll the group back to its last successful revision', body: RollbackRequest, response: DeploymentSummary, status: 201 },
  'POST /v1/applications/:app/revisions': { summary: 'Upload a revision bundle', rawBody: 'application/octet-stream', query: UploadRevisionQuery, response: RevisionView, status: 201 },
  'POST /v1/applications/:app/revisions/external': { summary: 'Register a revision kept in S3 or at an https URL, which agents download themselves', body: RegisterExternalRevisionRequest, response: RevisionView, status: 201 },
  'GET /v1/revisions/:id': { summary: 'Get a revision', response: RevisionView },
  'GET /v1/revisions/:id/content': { summary: 'Download a revision bundle (a token that may read it, or a signed agent)', produces: 'application/octet-stream' },
  'POST /v1/deployments': { summary: 'Create a deployment (answers it without its targets)', body: CreateDeploymentRequest, response: DeploymentSummary, status: 201 },
  'POST /v1/deployments/plan': { summary: 'Plan a deployment without starting it', body: CreateDeploymentRequest, response: DeploymentPlan },
  'POST /v1/deployments/preflight': { summary: 'Ask every target agent to check the revision, without deploying', body: CreateDeploymentRequest, response: PreflightResponse },
  'GET /v1/deployments': { summary: 'List deployments, newest first, a page at a time', query: ListDeploymentsQuery, response: DeploymentList },
  'GET /v1/deployments/:id/logs': {
    summary: 'Hook output of a deployment, paged by cursor; with follow=1, new lines as Server-Sent Events (text/event-stream) until the deployment ends',
    query: LogsQuery,
    response: LogPage,
  },
  'GET /v1/deployments/:id': { summary: 'Get a deployment with its targets and lifecycle events', response: DeploymentView },
  'POST /v1/deployments/:id/stop': { summary: 'Stop a queued or running deployment', body: StopDeploymentRequest, response: StopResult },
  'POST /v1/deployments/:id/pause': rollout('Pause a running deployment: running hosts finish, no new host starts'),
  'POST /v1/deployments/:id/resume': rollout('Resume a paused deployment'),
  'POST /v1/deployments/:id/approve': rollout('Approve a deployment waiting after its first batch'),
  'POST /v1/deployment-configs': { summary: 'Create a custom deployment configuration', body: CreateDeploymentConfigRequest, response: DeploymentConfigView, status: 201 },
  'GET /v1/deployment-configs': { summary: 'List deployment configurations', response: list('deploymentConfigs', DeploymentConfigView) },
  'GET /v1/instances': { summary: 'List instances, optionally by tag and only offline ones', query: ListInstancesQuery, response: list('instances', InstanceView) },
  'PATCH /v1/applications/:app/deployment-groups/:group': { summary: 'Change a deployment group', body: UpdateDeploymentGroupRequest, response: DeploymentGroupView },
  'DELETE /v1/applications/:app/deployment-groups/:group': { summary: 'Delete a deployment group with its deployment history (refused while one is active)', response: RemovalResult },
  'DELETE /v1/applications/:app': { summary: 'Delete an application and its revisions (refused while it has groups)', response: RemovalResult },
  'GET /v1/applications/:app/revisions': { summary: 'List the revisions of an application', response: RevisionList },
  'DELETE /v1/revisions/:id': { summary: 'Delete a revision (refused while deployed or the last good one of a group)', response: RemovalResult },
  'DELETE /v1/deployment-configs/:name': { summary: 'Delete a custom deployment configuration (refused while in use)', response: RemovalResult },
  'POST /v1/instances/:id/tags': { summary: 'Set tags on an instance', body: TagInstanceRequest, response: InstanceView },
  'POST /v1/instances/:id/tags/remove': { summary: 'Remove tags from an instance', body: UntagInstanceRequest, response: InstanceView },
  'DELETE /v1/instances/:id': { summary: 'Deregister an instance (an operator token, or the instance itself signed); force=1 also while connected, closing its connections', query: DeregisterQuery, status: 204 },
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
  'POST /v1/applications/:app/deployment-groups/:group/webhooks': { summary: 'Create a webhook of the group (its signing secret is answered this once)', body: CreateWebhookRequest, response: CreatedWebhook, status: 201 },
  'GET /v1/applications/:app/deployment-groups/:group/webhooks': { summary: "List the group's webhooks (without secrets)", response: list('webhooks', WebhookView) },
  'DELETE /v1/applications/:app/deployment-groups/:group/webhooks/:name': { summary: 'Delete a webhook and its deliveries', status: 204 },
  'POST /v1/applications/:app/deployment-groups/:group/webhooks/:name/test': { summary: 'Send a test message', response: z.strictObject({ deliveryId: z.string() }), status: 202 },
  'GET /v1/applications/:app/deployment-groups/:group/webhooks/:name/deliveries': { summary: "A webhook's latest deliveries, with every attempt", response: list('deliveries', DeliveryView) },
  'GET /metrics': { summary: 'Prometheus metrics (the admin token or the --metrics-token scrape token)', produces: 'text/plain; version=0.0.4' },
  'GET /readyz': {
    summary: 'Readiness: the store answers and takes writes, its migrations are done; among several coordinators, the deployments this one drives and its agents (503 when not ready)',
    response: z.strictObject({
      ready: z.boolean(),
      checks: z.record(z.string(), z.string()),
      node: z
        .strictObject({ nodeId: z.string(), storeOk: z.boolean(), leases: z.array(z.string()), agents: z.number().int(), lastError: z.string().optional() })
        .optional(),
    }),
  },
};

/** The operationId of each route: what generated clients name its method. */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'GET /healthz': 'getHealth',
  'GET /readyz': 'getReadiness',
  'GET /v1/openapi.json': 'getOpenApiDocument',
  'POST /v1/applications': 'createApplication',
  'GET /v1/applications': 'listApplications',
  'DELETE /v1/applications/:app': 'deleteApplication',
  'POST /v1/applications/:app/deployment-groups': 'createDeploymentGroup',
  'GET /v1/applications/:app/deployment-groups': 'listDeploymentGroups',
  'GET /v1/applications/:app/deployment-groups/:group': 'getDeploymentGroup',
  'PATCH /v1/applications/:app/deployment-groups/:group': 'updateDeploymentGroup',
  'DELETE /v1/applications/:app/deployment-groups/:group': 'deleteDeploymentGroup',
  'POST /v1/applications/:app/deployment-groups/:group/rollback': 'rollbackDeploymentGroup',
  'POST /v1/applications/:app/revisions': 'uploadRevision',
  'GET /v1/applications/:app/revisions': 'listRevisions',
  'GET /v1/revisions/:id': 'getRevision',
  'GET /v1/revisions/:id/content': 'downloadRevision',
  'DELETE /v1/revisions/:id': 'deleteRevision',
  'POST /v1/deployments': 'createDeployment',
  'POST /v1/deployments/plan': 'planDeployment',
  'POST /v1/deployments/preflight': 'preflightDeployment',
  'GET /v1/deployments': 'listDeployments',
  'GET /v1/deployments/:id': 'getDeployment',
  'GET /v1/deployments/:id/logs': 'getDeploymentLogs',
  'POST /v1/deployments/:id/stop': 'stopDeployment',
  'POST /v1/deployments/:id/pause': 'pauseDeployment',
  'POST /v1/deployments/:id/resume': 'resumeDeployment',
  'POST /v1/deployments/:id/approve': 'approveDeployment',
  'POST /v1/deployment-configs': 'createDeploymentConfig',
  'GET /v1/deployment-configs': 'listDeploymentConfigs',
  'DELETE /v1/deployment-configs/:name': 'deleteDeploymentConfig',
  'GET /v1/instances': 'listInstances',
  'POST /v1/instances/:id/tags': 'tagInstance',
  'POST /v1/instances/:id/tags/remove': 'untagInstance',
  'DELETE /v1/instances/:id': 'deregisterInstance',
  'POST /v1/registration-tokens': 'createRegistrationToken',
  'GET /v1/registration-tokens': 'listRegistrationTokens',
  'POST /v1/register': 'registerInstance',
  'GET /v1/agent/package': 'downloadAgentPackage',
  'GET /v1/agent/package.sha256': 'getAgentPackageSha256',
  'GET /install.sh': 'getLinuxInstaller',
  'GET /install.ps1': 'getWindowsInstaller',
  'GET /v1/tls/ca.pem': 'getCoordinatorCa',
  'GET /metrics': 'getMetrics',
  'POST /v1/applications/:app/deployment-groups/:group/webhooks': 'createWebhook',
  'GET /v1/applications/:app/deployment-groups/:group/webhooks': 'listWebhooks',
  'DELETE /v1/applications/:app/deployment-groups/:group/webhooks/:name': 'deleteWebhook',
  'POST /v1/applications/:app/deployment-groups/:group/webhooks/:name/test': 'testWebhook',
  'GET /v1/applications/:app/deployment-groups/:group/webhooks/:name/deliveries': 'listWebhookDeliveries',
};
