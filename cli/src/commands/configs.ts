/**
 * `deckhand configs create --name N [--min-healthy TYPE:VALUE] [--batches LIST --bake D]
 *  [--segment-by KEY ...] [--require-approval]` and `deckhand configs list`.
 */
import { parseArgs } from 'node:util';
import type { CreateDeploymentConfigRequest, DeploymentConfigView } from '../../../protocol/src/orchestration.ts';
import type { BatchEntry } from '../../../protocol/src/rollout.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseDurationSeconds, parseOrUsage, required } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { sanitize } from '../format/sanitize.ts';
import { renderTable } from '../format/table.ts';

const USAGE = `Usage: deckhand configs create --name N [--min-healthy TYPE:VALUE] [rollout options]
       deckhand configs list
       deckhand configs delete NAME

Creates a custom deployment configuration, lists every configuration (built-ins first), or
deletes a custom one (refused while a group uses it by default or a deployment in progress does).
The minimum healthy hosts is HOST_COUNT:n (any n >= 0) or FLEET_PERCENT:p (0 to 99; the
host count is rounded up), exactly as CodeDeploy computes it. Names may not start with
CodeDeployDefault. --min-healthy may be left out with --batches or --segment-by (it is then
HOST_COUNT:0).

Options:
  --name N                  configuration name (create)
  --min-healthy TYPE:VALUE  e.g. HOST_COUNT:2 or FLEET_PERCENT:75 (create)
  --batches LIST            cumulative batches, host counts or percentages: 1,10%,100% deploys
                            1 host, then up to 10% of the fleet, then the rest (percentages
                            round up; hosts left after the last entry form a last batch)
  --bake D                  wait D (30s, 5m, 1h) after each batch succeeds (with --batches)
  --segment-by KEY          roll one segment at a time: hosts grouped by the value of tag KEY,
                            ordered by value, hosts without the tag last
  --segment-bake D          wait D between segments (with --segment-by)
  --min-healthy-per-segment TYPE:VALUE
                            minimum healthy hosts inside each segment (with --segment-by)
  --require-approval        wait for 'deckhand approve' after the first batch or segment

${CONNECTION_HELP}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  name: { type: 'string' },
  'min-healthy': { type: 'string' },
  batches: { type: 'string' },
  bake: { type: 'string' },
  'segment-by': { type: 'string' },
  'segment-bake': { type: 'string' },
  'min-healthy-per-segment': { type: 'string' },
  'require-approval': { type: 'boolean', default: false },
} as const;

/** Parses `HOST_COUNT:2` or `FLEET_PERCENT:75`. */
export function parseMinHealthy(text: string, flag = '--min-healthy'): NonNullable<CreateDeploymentConfigRequest['minimumHealthyHosts']> {
  const match = /^(HOST_COUNT|FLEET_PERCENT):(\d+)$/i.exec(text.trim());
  if (!match) throw new UsageError(`${flag} expects HOST_COUNT:n or FLEET_PERCENT:p, got ${JSON.stringify(text)}`, USAGE);
  return { type: (match[1] as string).toUpperCase() as 'HOST_COUNT' | 'FLEET_PERCENT', value: Number(match[2]) };
}

/** Parses `1,10%,100%` into batch entries (numbers stay numbers, percentages stay strings). */
export function parseBatches(text: string): BatchEntry[] {
  return text.split(',').map((raw) => {
    const item = raw.trim();
    if (/^\d+$/.test(item) && Number(item) >= 1) return Number(item);
    if (/^\d+%$/.test(item)) return item;
    throw new UsageError(`--batches expects host counts and percentages such as 1,10%,100%, got ${JSON.stringify(item)}`, USAGE);
  });
}

type Values = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>['values'];

/** Builds the create request from the flags; the coordinator checks the combinations. */
export function configRequest(values: Values): CreateDeploymentConfigRequest {
  const req: CreateDeploymentConfigRequest = { name: required(values.name, '--name', USAGE) };
  if (values['min-healthy'] !== undefined) req.minimumHealthyHosts = parseMinHealthy(values['min-healthy']);
  if (values.batches !== undefined) req.batches = parseBatches(values.batches);
  if (values.bake !== undefined) req.bakeSeconds = parseDurationSeconds(values.bake, '--bake', USAGE);
  if (values['segment-by'] !== undefined) req.segmentBy = values['segment-by'];
  if (values['segment-bake'] !== undefined) req.segmentBakeSeconds = parseDurationSeconds(values['segment-bake'], '--segment-bake', USAGE);
  const perSegment = values['min-healthy-per-segment'];
  if (perSegment !== undefined) req.minimumHealthyHostsPerSegment = parseMinHealthy(perSegment, '--min-healthy-per-segment');
  if (values['require-approval']) req.requireApproval = true;
  if (req.minimumHealthyHosts === undefined && req.batches === undefined && req.segmentBy === undefined) {
    throw new UsageError('missing required --min-healthy (or --batches / --segment-by)', USAGE);
  }
  return req;
}

function rolloutText(c: DeploymentConfigView): string {
  const parts: string[] = [];
  if (c.batches) parts.push(`batches ${c.batches.join(',')}${c.bakeSeconds ? `, bake ${c.bakeSeconds}s` : ''}`);
  if (c.segmentBy) parts.push(`segments by ${c.segmentBy}${c.segmentBakeSeconds ? `, bake ${c.segmentBakeSeconds}s` : ''}`);
  if (c.requireApproval) parts.push('approval');
  return parts.join('; ');
}

function formatConfigs(configs: readonly DeploymentConfigView[]): string {
  return renderTable(
    ['NAME', 'MINIMUM HEALTHY', 'BUILT-IN', 'ROLLOUT'],
    configs.map((c) => [c.name, `${c.minimumHealthyHosts.type} ${c.minimumHealthyHosts.value}`, c.builtIn ? 'yes' : 'no', rolloutText(c)]),
  );
}

export const configsCommand: Command = {
  name: 'configs',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () => parseArgs({ args: argv, allowPositionals: true, options: OPTIONS }));
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
    if (sub === 'list') {
      const configs = await connect(values, ctx).listDeploymentConfigs();
      emit(ctx, values.json, { deploymentConfigs: configs }, formatConfigs(configs));
      return 0;
    }
    if (sub === 'delete') {
      const [name, ...more] = rest;
      if (name === undefined || more.length > 0) throw new UsageError('configs delete takes exactly one NAME', USAGE);
      const removed = await connect(values, ctx).deleteDeploymentConfig(name);
      emit(ctx, values.json, removed, sanitize(`deleted deployment configuration ${removed.removed}`));
      return 0;
    }
    if (sub !== 'create') throw new UsageError(sub === undefined ? 'missing subcommand (create, list or delete)' : `unknown subcommand ${sub}`, USAGE);
    const created = await connect(values, ctx).createDeploymentConfig(configRequest(values));
    emit(ctx, values.json, created, sanitize(created.name));
    return 0;
  },
};
