/**
 * Health-gated rollouts on the wire: CodeDeploy's alarm configuration, Deckhand's health checks
 * (http, prometheus, command, webhook), the analysis a deployment configuration runs between
 * its steps, and the results a deployment shows. orchestration.ts and api.ts import these.
 */
import { z } from 'zod';
import { Id, Name } from './schemas.ts';

/** What one evaluation of a check says. Error: it could not be measured (unreachable, malformed). */
export const CHECK_VERDICTS = ['Successful', 'Failed', 'Inconclusive', 'Error'] as const;
export const CheckVerdictSchema = z.enum(CHECK_VERDICTS);
export type CheckVerdict = z.infer<typeof CheckVerdictSchema>;

/** The kinds of health check. */
export const CHECK_TYPES = ['http', 'prometheus', 'command', 'webhook'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

/**
 * CodeDeploy's alarm configuration, on a deployment group and (as overrideAlarmConfiguration)
 * on a deployment. An alarm names a Deckhand health check, or else an alert of that name in the
 * coordinator's Alertmanager (`--alertmanager`).
 */
export const AlarmConfiguration = z.strictObject({
  enabled: z.boolean(),
  /** Carry on when an alarm's state cannot be read (CodeDeploy's default: stop). @default false */
  ignorePollAlarmFailure: z.boolean().default(false),
  /** At most 10, as in CodeDeploy. */
  alarms: z
    .array(z.strictObject({ name: z.string().min(1).max(255) }))
    .max(10, 'at most 10 alarms')
    .refine((a) => new Set(a.map((x) => x.name)).size === a.length, 'alarm names must be unique')
    .default([]),
});
export type AlarmConfiguration = z.infer<typeof AlarmConfiguration>;

/** HTTP header names as RFC 9110 tokens; values are kept as given and never shown back. */
const Headers = z
  .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'must be an HTTP header name'), z.string().max(4096))
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers');

/** An http(s) URL, possibly with {{...}} placeholders (checked again once rendered). */
const UrlTemplate = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL');

const Timeout = (max: number, def: number) => z.number().int().min(1).max(max).default(def);

const Common = {
  name: Name,
  description: z.string().max(1000).optional(),
};

/** GET (or HEAD, POST) a URL; Successful when the status is expected and the condition holds. */
export const HttpCheck = z.strictObject({
  ...Common,
  type: z.literal('http'),
  /** May name the host: {{host.address}}, {{host.hostname}}, {{host.instanceId}}, {{host.tags.KEY}}: then one request per host. */
  url: UrlTemplate,
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  headers: Headers.default({}),
  body: z.string().max(65_536).optional(),
  /** Statuses that pass; absent: any 2xx. */
  expectedStatus: z.array(z.number().int().min(100).max(599)).min(1).max(20).optional(),
  /** A condition on the JSON answer, e.g. `$.status == "ok"` or `$.queue.depth < 100`. */
  condition: z.string().min(1).max(1024).optional(),
  /** @default 10 */
  timeoutSeconds: Timeout(60, 10),
});

/** A PromQL query and a condition on its result, e.g. `result < 0.01`. */
export const PrometheusCheck = z.strictObject({
  ...Common,
  type: z.literal('prometheus'),
  /** The Prometheus server, e.g. http://prometheus:9090 (credentials in it are never shown). */
  address: UrlTemplate,
  /** May use {{canary.instances}}, {{canary.selector}}, {{baseline.instances}}, {{baseline.selector}}, {{deployment.id}}, {{group.name}}. */
  query: z.string().min(1).max(8192),
  /** `result OP NUMBER` (OP: < <= > >= == !=), held by every series of the answer. */
  condition: z.string().min(1).max(256),
  /** The label that holds a host's name in the metrics ({{canary.selector}} matches on it). @default instance */
  hostLabel: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be a Prometheus label name').default('instance'),
  headers: Headers.default({}),
  /** @default 10 */
  timeoutSeconds: Timeout(60, 10),
});

/** A script of the revision that the agent runs on each host of the step, with the hook runner's rules. */
export const CommandCheck = z.strictObject({
  ...Common,
  type: z.literal('command'),
  /** The script's location in the revision, as an appspec hook location. */
  script: z.string().min(1).max(1024),
  runas: z.string().regex(/^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/, 'must be a user name').optional(),
  /** @default 60 */
  timeoutSeconds: Timeout(3600, 60),
});

/** POST {deploymentId, step, hosts} to a URL answering {directive: continue|abort|pause, reason}. */
export const WebhookCheck = z.strictObject({
  ...Common,
  type: z.literal('webhook'),
  url: UrlTemplate,
  headers: Headers.default({}),
  /** @default 10 */
  timeoutSeconds: Timeout(60, 10),
});

/** POST /v1/health-checks. */
export const CreateHealthCheckRequest = z.discriminatedUnion('type', [HttpCheck, PrometheusCheck, CommandCheck, WebhookCheck]);
export type CreateHealthCheckRequest = z.input<typeof CreateHealthCheckRequest>;
/** A stored check's definition (defaults filled in). */
export type HealthCheckSpec = z.infer<typeof CreateHealthCheckRequest>;

/** A check as listed: its definition with every header value and URL password replaced by "***". */
export const HealthCheckView = z.strictObject({
  name: Name,
  type: z.enum(CHECK_TYPES),
  description: z.string().optional(),
  /** The definition without name, type and description (secrets hidden). */
  spec: z.record(z.string(), z.unknown()),
  createTime: z.string(),
  createdBy: z.string().optional(),
});
export type HealthCheckView = z.infer<typeof HealthCheckView>;

/** How canary hosts are compared with not-yet-updated hosts (Kayenta's Mann-Whitney judge). */
export const BaselineOptions = z
  .strictObject({
    /** Which change of the metric is bad. @default increase */
    direction: z.enum(['increase', 'decrease', 'either']).default('increase'),
    /** Below this score (per cent of compared checks that pass) the measurement is Failed. @default 75 */
    marginal: z.number().min(0).max(100).default(75),
    /** From this score the measurement is Successful; between the two, Inconclusive. @default 95 */
    pass: z.number().min(0).max(100).default(95),
    /** Of the Mann-Whitney confidence interval. @default 0.95 */
    confidenceLevel: z.number().min(0.5).max(0.999).default(0.95),
    /** A shift smaller than this share of the Hodges-Lehmann estimate is no change (Kayenta's). @default 0.25 */
    tolerance: z.number().min(0).max(10).default(0.25),
  })
  .refine((b) => b.marginal <= b.pass, { path: ['marginal'], message: 'marginal must not exceed pass' });
export type BaselineOptions = z.infer<typeof BaselineOptions>;

/**
 * Checks run while a deployment bakes between two steps (Argo Rollouts' analysis): one
 * measurement of each check every `intervalSeconds`, `count` of them. More than `failureLimit`
 * Failed measurements fail the deployment (ANALYSIS_FAILED), more than `inconclusiveLimit`
 * Inconclusive ones pause it, more than `consecutiveErrorLimit` errors in a row fail it.
 */
export const AnalysisOptions = z.strictObject({
  checks: z
    .array(Name)
    .min(1)
    .max(10)
    .refine((c) => new Set(c).size === c.length, 'check names must be unique'),
  /** @default 60 */
  intervalSeconds: z.number().int().min(1).max(3600).default(60),
  /** Measurements per check and step. @default 5 */
  count: z.number().int().min(1).max(100).default(5),
  /** @default 0 */
  failureLimit: z.number().int().min(0).max(100).default(0),
  /** @default 4 */
  consecutiveErrorLimit: z.number().int().min(0).max(100).default(4),
  /** @default 0 */
  inconclusiveLimit: z.number().int().min(0).max(100).default(0),
  /** true, or the checks whose results are recorded but decide nothing. @default false */
  dryRun: z.union([z.boolean(), z.array(Name).max(10)]).default(false),
  /** Compare prometheus checks over canary hosts with as many not-yet-updated hosts. */
  baseline: BaselineOptions.optional(),
});
export type AnalysisOptions = z.infer<typeof AnalysisOptions>;

/** A failure threshold: a host count or a share of the deployment's hosts ("10%", rounded down). */
export const MaxFailures = z.union([
  z.number().int().min(0).max(1_000_000),
  z.string().regex(/^(100|[1-9]?[0-9])%$/, 'a percentage from 0% to 100%, e.g. "10%"'),
]);
export type MaxFailures = z.infer<typeof MaxFailures>;

/** Where a step's analysis stands. Promoted: ended early by an operator; Resumed: resumed after Inconclusive. */
export const ANALYSIS_STATUSES = ['Running', 'Successful', 'Failed', 'Inconclusive', 'Promoted', 'Resumed'] as const;
export const AnalysisStatusSchema = z.enum(ANALYSIS_STATUSES);
export type AnalysisStatus = z.infer<typeof AnalysisStatusSchema>;

/** The analysis of the step a rollout bakes after; on RolloutState. */
export const AnalysisState = z.strictObject({
  /** The step whose hosts are judged. */
  step: z.number().int().min(1),
  status: AnalysisStatusSchema,
  startTime: z.string(),
  message: z.string().optional(),
});
export type AnalysisState = z.infer<typeof AnalysisState>;

/** One result of one check, as a deployment shows it over time. */
export const HealthResultView = z.strictObject({
  at: z.string(),
  check: z.string(),
  /** alarm: polled through the whole deployment; analysis: a measurement of a step's analysis. */
  purpose: z.enum(['alarm', 'analysis']),
  step: z.number().int().optional(),
  verdict: CheckVerdictSchema,
  value: z.number().optional(),
  message: z.string(),
  /** Recorded only: a dry-run check decides nothing. */
  dryRun: z.boolean().optional(),
});
export type HealthResultView = z.infer<typeof HealthResultView>;

/** Ends the bake and the analysis of a running deployment now: its next step starts. */
export const PromoteResponse = z.strictObject({ deploymentId: Id, message: z.string() });

/** POST /v1/deployments/:id/rollout: change a running rollout (audited like every change). */
export const ChangeRolloutRequest = z
  .strictObject({
    /** The hosts not started yet are taken in batches of this many. */
    batchSize: z.number().int().min(1).max(1_000_000).optional(),
    /** Seconds of bake between the remaining steps (a bake running now is shortened or lengthened). */
    bakeSeconds: z.number().int().min(0).max(7 * 24 * 3600).optional(),
  })
  .refine((r) => r.batchSize !== undefined || r.bakeSeconds !== undefined, { message: 'give batchSize or bakeSeconds' });
export type ChangeRolloutRequest = z.input<typeof ChangeRolloutRequest>;

/** POST /v1/deployments/:id/retry-failed: the same revision again, to the hosts that failed or were skipped. */
export const RetryFailedRequest = z.strictObject({
  description: z.string().max(1000).optional(),
  /** @default false */
  queue: z.boolean().default(false),
  /** @default false */
  confirmLargeBlastRadius: z.boolean().default(false),
});
export type RetryFailedRequest = z.input<typeof RetryFailedRequest>;

/** GET /v1/health-checks/:name/replay: what a check would have said over a past window. */
export const ReplayQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  /** Seconds between two evaluations. @default 60 */
  step: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Host names standing in for the canary ({{canary.instances}}), comma-separated. */
  canary: z.string().max(10_000).optional(),
  baseline: z.string().max(10_000).optional(),
});

/** The replay's answer: one verdict per evaluation, and what they add up to. */
export const ReplayResponse = z.strictObject({
  check: z.string(),
  results: z.array(z.strictObject({ at: z.string(), verdict: CheckVerdictSchema, value: z.number().optional(), message: z.string() })),
  /** Successful, Failed, Inconclusive or Error counts. */
  counts: z.record(z.string(), z.number().int()),
});
export type ReplayResponse = z.infer<typeof ReplayResponse>;
