/**
 * `deckhand groups create|list|show|update|delete --application A [--name G] [settings]`.
 */
import { parseArgs } from 'node:util';
import type { CreateDeploymentGroupRequest, TagFilter } from '../../../protocol/src/api.ts';
import { canonicalConfigName } from '../../../protocol/src/api.ts';
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  parseDurationSeconds,
  parseKeyValues,
  parseOrUsage,
  required,
} from '../args.ts';
import { ALARM_HELP, ALARM_OPTIONS, alarmConfiguration } from '../alarm-flags.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { sanitize } from '../format/sanitize.ts';
import type { GroupFlags, GroupFlagValues } from './group-flags.ts';
import { groupsTraffic, hasTrafficFlags, TRAFFIC_HELP, TRAFFIC_OPTIONS, trafficFields, updateGroupTraffic } from './groups-traffic.ts';

const USAGE = `Usage: deckhand groups create --application A --name G [--tag k=v ...] [--config NAME] [--traffic SPEC]
       deckhand groups list --application A
       deckhand groups show --application A --name G
       deckhand groups update --application A --name G [settings to change]
       deckhand groups update --application A --name G [--traffic SPEC|none] [--style STYLE] [--blue-green SPEC|none]
       deckhand groups traffic --application A --name G
       deckhand groups delete --application A --name G

create makes deployment group G of application A (the application is created if missing);
update changes the settings given (the same flags; --no-auto-rollback, --auto-deploy undo
--auto-rollback, --no-auto-deploy); delete removes the group with its deployments' history,
refused while one of them is in progress or queued. Each
--tag becomes a KEY_AND_VALUE tag filter; a host matching any filter is in the group.
Each --tag-set is one OR-group of filters (k=v,k=v); a host must match every group (up to
three), CodeDeploy's tag set. --tag and --tag-set cannot be combined.

Options:
  --application A       application name (required)
  --name G              deployment group name (required)
  --tag k=v             tag filter, repeatable
  --tag-set k=v,k=v     one OR-group of a tag set, repeatable (at most 3)
  --instance NAME       instance id or hostname always in the group, repeatable
  --config NAME         deployment config: OneAtATime (default), HalfAtATime, AllAtOnce or a custom one
  --auto-rollback EV    roll back on failure, stop, alarm, or several (failure,alarm)
  --agent-wait D        how long a host waits for its offline agent (default 5m)
  --event-timeout D     how long a running host may go without reporting (default 1h)
  --no-auto-deploy      do not deploy the last good revision to hosts joining the group
${ALARM_HELP}
  --confirm-above P%,N  a deployment without batches that takes more than P % of the group and
                        more than N hosts at once needs --confirm (default 25%,10)
  --auto-deploy         (update) deploy it again
  --no-auto-rollback    (update) turn automatic rollback off
${TRAFFIC_HELP}

update changes either the traffic settings (--traffic, --style, --blue-green: checked against
the balancer first, refused while the group has an active deployment) or the others, one kind
per call. traffic shows the group's hosts on its load balancer (deckhand groups traffic --help).

${CONNECTION_HELP}`;

/** The tag filters for `--tag k=v` flags: one KEY_AND_VALUE filter each. */
export function tagFilters(tags: Record<string, string>): TagFilter[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value, type: 'KEY_AND_VALUE' }));
}

const ROLLBACK_EVENTS: Record<string, AutoRollbackEvent> = { failure: 'DEPLOYMENT_FAILURE', stop: 'DEPLOYMENT_STOP_ON_REQUEST', alarm: 'DEPLOYMENT_STOP_ON_ALARM' };
type AutoRollbackEvent = 'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_REQUEST' | 'DEPLOYMENT_STOP_ON_ALARM';

/** Parses `failure`, `stop`, `alarm` or a comma-separated list of them. */
export function parseRollbackEvents(text: string): AutoRollbackEvent[] {
  return text.split(',').map((word) => {
    const event = ROLLBACK_EVENTS[word.trim().toLowerCase()];
    if (event === undefined) throw new UsageError(`--auto-rollback expects failure, stop, alarm or a list of them (failure,alarm), got ${JSON.stringify(text)}`, USAGE);
    return event;
  });
}

/** Parses `25%,10`. */
export function parseConfirmAbove(text: string): { percent: number; hosts: number } {
  const match = /^(\d{1,3})%,(\d+)$/.exec(text.trim());
  const percent = Number(match?.[1]);
  if (!match || percent > 100) throw new UsageError(`--confirm-above expects a percentage and a host count such as 25%,10, got ${JSON.stringify(text)}`, USAGE);
  return { percent, hosts: Number(match[2]) };
}

/** The flags of settings other than traffic that were given (for `update`). */
function otherSettingsGiven(values: GroupFlagValues): string[] {
  const given = (['tag', 'tag-set', 'instance', 'config', 'auto-rollback', 'agent-wait', 'event-timeout'] as const).filter((k) => values[k] !== undefined);
  const set = (['no-auto-deploy', 'auto-deploy', 'no-auto-rollback'] as const).filter((k) => values[k] === true);
  return [...given, ...set].map((k) => `--${k}`);
}

function applyGroupOptions(req: CreateDeploymentGroupRequest, values: GroupFlags): void {
  const sets = values['tag-set'];
  if (sets !== undefined) req.tagSet = sets.map((set) => tagFilters(parseKeyValues(set.split(','), '--tag-set', USAGE)));
  if (values.instance !== undefined) req.instanceNames = values.instance;
  const rollback = values['auto-rollback'];
  if (rollback !== undefined) req.autoRollbackConfiguration = { enabled: true, events: parseRollbackEvents(rollback) };
  if (values['agent-wait'] !== undefined) req.agentWaitSeconds = parseDurationSeconds(values['agent-wait'], '--agent-wait', USAGE);
  const timeout = values['event-timeout'];
  if (timeout !== undefined) req.eventTimeoutSeconds = parseDurationSeconds(timeout, '--event-timeout', USAGE);
  if (values['no-auto-deploy']) req.autoDeployNewInstances = false;
  const alarms = alarmConfiguration(values, USAGE);
  if (alarms) req.alarmConfiguration = alarms;
  if (values['confirm-above'] !== undefined) req.largeBlastRadius = parseConfirmAbove(values['confirm-above']);
}

export const groupsCommand: Command = {
  name: 'groups',
  usage: USAGE,
  async run(argv, ctx) {
    if (argv[0] === 'traffic') return groupsTraffic(argv.slice(1), ctx);
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          application: { type: 'string' },
          name: { type: 'string' },
          tag: { type: 'string', multiple: true },
          'tag-set': { type: 'string', multiple: true },
          instance: { type: 'string', multiple: true },
          config: { type: 'string' },
          'auto-rollback': { type: 'string' },
          'agent-wait': { type: 'string' },
          'event-timeout': { type: 'string' },
          'no-auto-deploy': { type: 'boolean', default: false },
          alarm: ALARM_OPTIONS.alarm,
          'ignore-poll-alarm-failure': ALARM_OPTIONS['ignore-poll-alarm-failure'],
          'confirm-above': { type: 'string' },
          'auto-deploy': { type: 'boolean', default: false },
          'no-auto-rollback': { type: 'boolean', default: false },
          ...TRAFFIC_OPTIONS,
        },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
    if (sub === 'update' && hasTrafficFlags(values)) return updateGroupTraffic(values, otherSettingsGiven(values), ctx, USAGE);
    if (sub === 'list' || sub === 'show' || sub === 'update' || sub === 'delete') {
      const { manageGroups } = await import('./groups-manage.ts');
      return manageGroups(sub, values, ctx, USAGE, { apply: applyGroupOptions, tagFilters });
    }
    if (sub !== 'create') throw new UsageError(sub === undefined ? 'missing subcommand (create, list, show, update, traffic or delete)' : `unknown subcommand ${sub}`, USAGE);
    const application = required(values.application, '--application', USAGE);
    const req: CreateDeploymentGroupRequest = {
      name: required(values.name, '--name', USAGE),
      tagFilters: tagFilters(parseKeyValues(values.tag, '--tag', USAGE)),
    };
    if (values.config !== undefined) req.deploymentConfigName = canonicalConfigName(values.config);
    applyGroupOptions(req, values);
    Object.assign(req, trafficFields(values, USAGE));
    const client = connect(values, ctx);
    await client.ensureApplication(application);
    const group = await client.createDeploymentGroup(application, req);
    emit(ctx, values.json, group, sanitize(group.deploymentGroupId));
    return 0;
  },
};
