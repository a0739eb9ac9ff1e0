/**
 * `deckhand deploy --application A --group G --revision R [--config NAME]
 *  [--file-exists-behavior B] [--param k=v ...] [--wait | --plan | --preflight]`.
 */
import { parseArgs } from 'node:util';
import type { CreateDeploymentRequest, RegisterExternalRevisionRequest, RevisionView } from '../../../protocol/src/api.ts';
import { canonicalConfigName } from '../../../protocol/src/api.ts';
import { FileExistsBehavior } from '../../../protocol/src/schemas.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseDurationSeconds, parseKeyValues, parseOrUsage, required, type ConnectionValues } from '../args.ts';
import { ALARM_OPTIONS, alarmConfiguration } from '../alarm-flags.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { writeJson, writeLine } from '../context.ts';
import { UsageError } from '../errors.ts';
import { safe, sanitize } from '../format/sanitize.ts';
import { externalRevisionRequest, REVISION_SOURCE_HELP, REVISION_SOURCE_OPTIONS } from '../revision-source.ts';
import { followUntilInterrupted, type FollowOptions } from '../watch/follow.ts';
import { formatPlan } from '../format/plan.ts';
import { formatPreflight } from '../format/preflight.ts';

const USAGE = `Usage: deckhand deploy --application A --group G (--revision R | --s3-location S3URI | --https-location URL) [options]
       deckhand deploy --retry-failed DEPLOYMENT_ID [--wait [--quiet]] [--confirm] [--queue]

Deploys revision R to deployment group G of application A and prints the deployment id.
With --wait, shows live progress and exits 0 only when the deployment Succeeded.
--retry-failed deploys the revision of an ended deployment again, with its settings, to the
hosts that failed or were skipped in it; a host that failed after its Install succeeded, and
still has that install, starts again at the event that failed (the earlier ones are Skipped).

Options:
  --application A             application name (required)
  --group G                   deployment group name (required)
  --revision R                revision id from 'deckhand push'
${REVISION_SOURCE_HELP}
  --config NAME               deployment config (default: the group's): OneAtATime, HalfAtATime, AllAtOnce
  --file-exists-behavior B    DISALLOW (default), OVERWRITE or RETAIN
  --param k=v                 deployment parameter, given to hooks as environment variable k; repeatable
  --description D             free text stored with the deployment
  --ignore-application-stop-failures
                              carry on when an ApplicationStop hook fails
  --wait                      follow the deployment to its end, printing running hooks' output
  --quiet                     with --wait: no hook output, only progress and the outcome
  --wait-timeout D            with --wait: how long to keep trying while the coordinator cannot be
                              reached, e.g. during its restart (default 10m)
  --queue                     if the group is busy, queue behind its deployment instead of failing (409)
  --update-outdated-only      deploy only to hosts not already running this revision
  --plan                      print the batches, minimum healthy hosts and the failures that would
                              stop it, without starting anything
  --preflight                 ask every target host's agent to check the revision (archive, appspec,
                              scripts, users, destinations, disk space, DISALLOW conflicts) and print
                              a row per host; deploys nothing, exits 0 only if every host is ok
  --require-approval          wait for 'deckhand approve ID' after the first batch
  --confirm                   take more of the group at once than its guard rail allows (a first
                              step of more than 25 % and more than 10 hosts without batches)
  --no-alarms                 poll none of the group's alarms (overrideAlarmConfiguration)
  --alarm NAME                poll these alarms instead of the group's; repeatable
  --ignore-poll-alarm-failure with --alarm: carry on when an alarm cannot be read
  --retry-failed ID           see above

${CONNECTION_HELP}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  application: { type: 'string' },
  group: { type: 'string' },
  revision: { type: 'string' },
  config: { type: 'string' },
  'file-exists-behavior': { type: 'string' },
  param: { type: 'string', multiple: true },
  description: { type: 'string' },
  'ignore-application-stop-failures': { type: 'boolean', default: false },
  wait: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  'wait-timeout': { type: 'string' },
  queue: { type: 'boolean', default: false },
  'update-outdated-only': { type: 'boolean', default: false },
  plan: { type: 'boolean', default: false },
  preflight: { type: 'boolean', default: false },
  'require-approval': { type: 'boolean', default: false },
  confirm: { type: 'boolean', default: false },
  'retry-failed': { type: 'string' },
  ...ALARM_OPTIONS,
  ...REVISION_SOURCE_OPTIONS,
} as const;

/** Parsed `deploy` arguments. */
export interface DeployArgs {
  req: CreateDeploymentRequest;
  /** --retry-failed: the deployment whose failed hosts to deploy again (req is then unused). */
  retryOf?: string;
  wait: boolean;
  /** How --wait follows: quiet, retry time. */
  follow: FollowOptions;
  plan: boolean;
  preflight: boolean;
  json: boolean;
  connection: ConnectionValues;
  /** A revision kept in S3 or at a URL, registered before the deployment is made. */
  external?: RegisterExternalRevisionRequest;
}

/** Parses deploy's arguments into the API request; `'help'` for --help; usage errors otherwise. */
export function parseDeployArgs(argv: string[]): DeployArgs | 'help' {
  const { values, positionals } = parseOrUsage(USAGE, () =>
    parseArgs({ args: argv, allowPositionals: true, options: OPTIONS }),
  );
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, USAGE);
  const retry = values['retry-failed'];
  if (retry !== undefined) return retryArgs(values, retry);
  const req: CreateDeploymentRequest = {
    applicationName: required(values.application, '--application', USAGE),
    deploymentGroupName: required(values.group, '--group', USAGE),
    revisionId: values.revision ?? '',
    parameters: parseKeyValues(values.param, '--param', USAGE),
    ignoreApplicationStopFailures: values['ignore-application-stop-failures'],
  };
  if (values.queue) req.queue = true;
  if (values['update-outdated-only']) req.updateOutdatedInstancesOnly = true;
  if (values['require-approval']) req.requireApproval = true;
  if (values.confirm) req.confirmLargeBlastRadius = true;
  const alarms = alarmConfiguration(values, USAGE);
  if (alarms) req.overrideAlarmConfiguration = alarms;
  if (values.plan && values.wait) throw new UsageError('--plan starts nothing; it cannot be combined with --wait', USAGE);
  if (values.preflight && (values.wait || values.plan)) throw new UsageError('--preflight starts nothing; it cannot be combined with --wait or --plan', USAGE);
  if (values.config !== undefined) req.deploymentConfigName = canonicalConfigName(values.config);
  if (values.description !== undefined) req.description = values.description;
  const feb = values['file-exists-behavior'];
  if (feb !== undefined) req.fileExistsBehavior = parseFileExistsBehavior(feb);
  const external = externalRevisionRequest(values, USAGE);
  if (external && values.revision !== undefined) throw new UsageError('give --revision or a location (--s3-location, --https-location), not both', USAGE);
  if (!external && values.revision === undefined) throw new UsageError('missing required --revision (or --s3-location / --https-location)', USAGE);
  const follow = waitOptions(values, USAGE);
  return { req, wait: values.wait, follow, plan: values.plan, preflight: values.preflight, json: values.json, connection: values, ...(external ? { external } : {}) };
}

function describeExternal(revision: RevisionView): string {
  const l = revision.location;
  if (l === undefined) return 'on the coordinator';
  return l.kind === 's3' ? `s3://${l.bucket}/${l.key}` : l.url;
}

type DeployValues = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>['values'];

/** `--retry-failed ID`: everything else comes from that deployment. */
function retryArgs(values: DeployValues, retryOf: string): DeployArgs {
  const only = ['application', 'group', 'revision', 's3-location', 'https-location', 'config', 'file-exists-behavior', 'param', 'plan', 'preflight', 'require-approval', 'alarm', 'no-alarms'] as const;
  const given = only.find((k) => values[k] !== undefined && values[k] !== false && !(Array.isArray(values[k]) && values[k].length === 0));
  if (given !== undefined) throw new UsageError(`--retry-failed takes the deployment's own settings; --${given} does not apply`, USAGE);
  const req = { applicationName: '', deploymentGroupName: '', revisionId: '', ...(values.queue ? { queue: true } : {}), ...(values.confirm ? { confirmLargeBlastRadius: true } : {}), ...(values.description === undefined ? {} : { description: values.description }) };
  return { req, retryOf, wait: values.wait, follow: waitOptions(values, USAGE), plan: false, preflight: false, json: values.json, connection: values };
}

/** The --quiet and --wait-timeout of a command that can --wait. */
export function waitOptions(values: { quiet?: boolean | undefined; 'wait-timeout'?: string | undefined }, usage: string): FollowOptions {
  const follow: FollowOptions = { quiet: values.quiet === true };
  const timeout = values['wait-timeout'];
  if (timeout !== undefined) follow.retryMs = parseDurationSeconds(timeout, '--wait-timeout', usage) * 1000;
  return follow;
}

function parseFileExistsBehavior(text: string): FileExistsBehavior {
  const parsed = FileExistsBehavior.safeParse(text.toUpperCase());
  if (!parsed.success) throw new UsageError(`--file-exists-behavior must be DISALLOW, OVERWRITE or RETAIN, got ${text}`, USAGE);
  return parsed.data;
}

export const deployCommand: Command = {
  name: 'deploy',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseDeployArgs(argv);
    if (args === 'help') return showHelp(ctx, USAGE);
    const { req, wait, json } = args;
    const client = connect(args.connection, ctx);
    if (args.external) {
      const revision = await client.registerExternalRevision(req.applicationName, args.external);
      if (!json) writeLine(ctx.stderr, safe`registered ${revision.revisionId} (${describeExternal(revision)})`);
      req.revisionId = revision.revisionId;
    }
    if (args.plan) {
      const plan = await client.planDeployment(req);
      emit(ctx, json, plan, formatPlan(plan));
      return plan.problem ? 1 : 0;
    }
    if (args.preflight) {
      const result = await client.preflightDeployment(req);
      emit(ctx, json, result, formatPreflight(result));
      return result.hosts.every((h) => h.ok) ? 0 : 1;
    }
    const created = args.retryOf === undefined
      ? await client.createDeployment(req)
      : await client.retryFailed(args.retryOf, { ...(req.queue ? { queue: true } : {}), ...(req.confirmLargeBlastRadius ? { confirmLargeBlastRadius: true } : {}), ...(req.description === undefined ? {} : { description: req.description }) });
    if (!wait) {
      emit(ctx, json, created, sanitize(created.deploymentId));
      return 0;
    }
    if (!json) writeLine(ctx.stdout, sanitize(created.deploymentId));
    const final = await followUntilInterrupted(client, created.deploymentId, ctx, args.follow);
    if (json) writeJson(ctx.stdout, final);
    return final.status === 'Succeeded' ? 0 : 1;
  },
};
