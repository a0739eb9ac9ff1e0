/**
 * `deckhand groups create --application A --name G [--tag k=v ...] [--config NAME]`.
 */
import { parseArgs } from 'node:util';
import type { CreateDeploymentGroupRequest, TagFilter } from '../../../protocol/src/api.ts';
import { canonicalConfigName } from '../../../protocol/src/api.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseKeyValues, parseOrUsage, required, subcommand } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const USAGE = `Usage: deckhand groups create --application A --name G [--tag k=v ...] [--config NAME]

Creates deployment group G of application A (the application is created if missing). Each
--tag becomes a KEY_AND_VALUE tag filter; a host matching any filter is in the group.

Options:
  --application A   application name (required)
  --name G          deployment group name (required)
  --tag k=v         tag filter, repeatable
  --config NAME     deployment config: OneAtATime (default), HalfAtATime, AllAtOnce

${CONNECTION_HELP}`;

/** The tag filters for `--tag k=v` flags: one KEY_AND_VALUE filter each. */
export function tagFilters(tags: Record<string, string>): TagFilter[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value, type: 'KEY_AND_VALUE' }));
}

export const groupsCommand: Command = {
  name: 'groups',
  summary: 'create a deployment group',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          application: { type: 'string' },
          name: { type: 'string' },
          tag: { type: 'string', multiple: true },
          config: { type: 'string' },
        },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const rest = subcommand(positionals, 'create', USAGE);
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
    const application = required(values.application, '--application', USAGE);
    const req: CreateDeploymentGroupRequest = {
      name: required(values.name, '--name', USAGE),
      tagFilters: tagFilters(parseKeyValues(values.tag, '--tag', USAGE)),
    };
    if (values.config !== undefined) req.deploymentConfigName = canonicalConfigName(values.config);
    const client = connect(values, ctx);
    await client.ensureApplication(application);
    const group = await client.createDeploymentGroup(application, req);
    emit(ctx, values.json, group, group.deploymentGroupId);
    return 0;
  },
};
