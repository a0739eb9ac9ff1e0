/**
 * `deckhand deployments list [--application A] [--group G] [--status S] [--limit N]`.
 */
import { parseArgs } from 'node:util';
import type { DeploymentSummary } from '../../../protocol/src/api.ts';
import { DEPLOYMENT_STATUSES } from '../../../protocol/src/status.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, parsePositiveInt, subcommand } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatDeploymentList } from '../format/fleet.ts';

const USAGE = `Usage: deckhand deployments list [--application A] [--group G] [--status S] [--limit N]

Lists deployments, newest first: status, hosts done of all (failed), revision, creator, when.

Options:
  --application A   only this application's
  --group G         only this deployment group's (with --application, or any application's)
  --status S        ${DEPLOYMENT_STATUSES.join(', ')}
  --limit N         at most N (default 20)

${CONNECTION_HELP}`;

export const deploymentsCommand: Command = {
  name: 'deployments',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: { ...CONNECTION_OPTIONS, application: { type: 'string' }, group: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' } },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const rest = subcommand(positionals, 'list', USAGE);
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
    if (values.status !== undefined && !(DEPLOYMENT_STATUSES as readonly string[]).includes(values.status)) {
      throw new UsageError(`--status must be one of ${DEPLOYMENT_STATUSES.join(', ')}, got ${JSON.stringify(values.status)}`, USAGE);
    }
    const limit = values.limit === undefined ? 20 : parsePositiveInt(values.limit, '--limit', USAGE);
    const client = connect(values, ctx);
    const found: DeploymentSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.listDeploymentPage({
        ...(values.application === undefined ? {} : { application: values.application }),
        ...(values.group === undefined ? {} : { group: values.group }),
        ...(values.status === undefined ? {} : { status: values.status }),
        limit: Math.min(1000, limit - found.length),
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      found.push(...page.deployments);
      nextToken = page.nextToken;
    } while (nextToken !== undefined && found.length < limit);
    emit(ctx, values.json, { deployments: found, ...(nextToken === undefined ? {} : { nextToken }) }, formatDeploymentList(found));
    return 0;
  },
};
