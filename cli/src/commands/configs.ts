/**
 * `deckhand configs create --name N --min-healthy TYPE:VALUE` and `deckhand configs list`.
 */
import { parseArgs } from 'node:util';
import type { CreateDeploymentConfigRequest, DeploymentConfigView } from '../../../protocol/src/orchestration.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, required } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { renderTable } from '../format/table.ts';

const USAGE = `Usage: deckhand configs create --name N --min-healthy TYPE:VALUE
       deckhand configs list

Creates a custom deployment configuration, or lists every configuration (built-ins first).
The minimum healthy hosts is HOST_COUNT:n (any n >= 0) or FLEET_PERCENT:p (0 to 99; the
host count is rounded up), exactly as CodeDeploy computes it. Names may not start with
CodeDeployDefault.

Options:
  --name N                  configuration name (create)
  --min-healthy TYPE:VALUE  e.g. HOST_COUNT:2 or FLEET_PERCENT:75 (create)

${CONNECTION_HELP}`;

/** Parses `HOST_COUNT:2` or `FLEET_PERCENT:75`. */
export function parseMinHealthy(text: string): CreateDeploymentConfigRequest['minimumHealthyHosts'] {
  const match = /^(HOST_COUNT|FLEET_PERCENT):(\d+)$/i.exec(text.trim());
  if (!match) throw new UsageError(`--min-healthy expects HOST_COUNT:n or FLEET_PERCENT:p, got ${JSON.stringify(text)}`, USAGE);
  return { type: (match[1] as string).toUpperCase() as 'HOST_COUNT' | 'FLEET_PERCENT', value: Number(match[2]) };
}

function formatConfigs(configs: readonly DeploymentConfigView[]): string {
  return renderTable(
    ['NAME', 'MINIMUM HEALTHY', 'BUILT-IN'],
    configs.map((c) => [c.name, `${c.minimumHealthyHosts.type} ${c.minimumHealthyHosts.value}`, c.builtIn ? 'yes' : 'no']),
  );
}

export const configsCommand: Command = {
  name: 'configs',
  summary: 'create or list deployment configurations',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: { ...CONNECTION_OPTIONS, name: { type: 'string' }, 'min-healthy': { type: 'string' } },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
    if (sub === 'list') {
      const configs = await connect(values, ctx).listDeploymentConfigs();
      emit(ctx, values.json, { deploymentConfigs: configs }, formatConfigs(configs));
      return 0;
    }
    if (sub !== 'create') throw new UsageError(sub === undefined ? 'missing subcommand (create or list)' : `unknown subcommand ${sub}`, USAGE);
    const req: CreateDeploymentConfigRequest = {
      name: required(values.name, '--name', USAGE),
      minimumHealthyHosts: parseMinHealthy(required(values['min-healthy'], '--min-healthy', USAGE)),
    };
    const created = await connect(values, ctx).createDeploymentConfig(req);
    emit(ctx, values.json, created, created.name);
    return 0;
  },
};
