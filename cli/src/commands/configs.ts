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
  --max-failures N|P%       hosts allowed to fail (a count, or a share rounded down); no host starts
                            while failed and running hosts could exceed it by more than one
  --require-all-succeed     every host must succeed (--max-failures 0)

Analysis, during the bake after each step but the last (needs --batches, --segment-by or
--require-approval):
  --analysis CHECK,CHECK    health checks measured every interval; Failed ends the deployment
                            (ANALYSIS_FAILED, rolled back as a failure), Inconclusive pauses it
  --interval D              time between measurements (default 1m)
  --count N                 measurements per check and step (default 5)
  --failure-limit N         Failed measurements tolerated (default 0)
  --inconclusive-limit N    Inconclusive measurements tolerated (default 0)
  --consecutive-error-limit N
                            measurements in a row that could not be taken, tolerated (default 4)
  --dry-run [CHECK,CHECK]   record these checks' results (all: --dry-run all) without acting on them
  --baseline                compare prometheus checks over the canary with as many hosts not yet
                            updated (Mann-Whitney, Kayenta's judge); with --direction increase|
                            decrease|either (default increase), --marginal N (75), --pass N (95)

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
  'max-failures': { type: 'string' },
  'require-all-succeed': { type: 'boolean', default: false },
  analysis: { type: 'string' },
  interval: { type: 'string' },
  count: { type: 'string' },
  'failure-limit': { type: 'string' },
  'inconclusive-limit': { type: 'string' },
  'consecutive-error-limit': { type: 'string' },
  'dry-run': { type: 'string' },
  baseline: { type: 'boolean', default: false },
  direction: { type: 'string' },
  marginal: { type: 'string' },
  pass: { type: 'string' },
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

/** Parses `3` or `10%`. */
export function parseMaxFailures(text: string): number | string {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (/^\d{1,3}%$/.test(t) && Number.parseInt(t, 10) <= 100) return t;
  throw new UsageError(`--max-failures expects a host count or a percentage such as 2 or 10%, got ${JSON.stringify(text)}`, USAGE);
}

function count(text: string | undefined, flag: string, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} expects a whole number${min > 0 ? ` from ${min}` : ''}, got ${JSON.stringify(text)}`, USAGE);
  return n;
}

const ANALYSIS_FLAGS = ['interval', 'count', 'failure-limit', 'inconclusive-limit', 'consecutive-error-limit', 'dry-run', 'baseline', 'direction', 'marginal', 'pass'] as const;

/** The analysis the flags ask for, or undefined without --analysis. */
export function analysisOptions(values: Values): NonNullable<CreateDeploymentConfigRequest['analysis']> | undefined {
  if (values.analysis === undefined) {
    const stray = ANALYSIS_FLAGS.find((f) => values[f] !== undefined && values[f] !== false);
    if (stray) throw new UsageError(`--${stray} needs --analysis`, USAGE);
    return undefined;
  }
  const checks = values.analysis.split(',').map((c) => c.trim()).filter((c) => c !== '');
  const dry = values['dry-run'];
  const baselineFlags = values.direction !== undefined || values.marginal !== undefined || values.pass !== undefined;
  if (baselineFlags && !values.baseline) throw new UsageError('--direction, --marginal and --pass need --baseline', USAGE);
  const direction = values.direction;
  if (direction !== undefined && !['increase', 'decrease', 'either'].includes(direction)) throw new UsageError(`--direction expects increase, decrease or either, got ${JSON.stringify(direction)}`, USAGE);
  const optional = {
    intervalSeconds: values.interval === undefined ? undefined : parseDurationSeconds(values.interval, '--interval', USAGE),
    count: count(values.count, '--count', 1),
    failureLimit: count(values['failure-limit'], '--failure-limit'),
    inconclusiveLimit: count(values['inconclusive-limit'], '--inconclusive-limit'),
    consecutiveErrorLimit: count(values['consecutive-error-limit'], '--consecutive-error-limit'),
    dryRun: dry === undefined ? undefined : dry === 'all' ? true : dry.split(',').map((c) => c.trim()),
    baseline: values.baseline
      ? {
          ...(direction === undefined ? {} : { direction: direction as 'increase' }),
          ...(values.marginal === undefined ? {} : { marginal: count(values.marginal, '--marginal') as number }),
          ...(values.pass === undefined ? {} : { pass: count(values.pass, '--pass') as number }),
        }
      : undefined,
  };
  return { checks, ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) };
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
  if (values['max-failures'] !== undefined) req.maxFailures = parseMaxFailures(values['max-failures']);
  if (values['require-all-succeed']) req.requireAllSucceed = true;
  const analysis = analysisOptions(values);
  if (analysis) req.analysis = analysis;
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
  if (c.maxFailures !== undefined) parts.push(`maxFailures ${c.maxFailures}`);
  if (c.requireAllSucceed) parts.push('all must succeed');
  if (c.analysis) parts.push(`analysis ${c.analysis.checks.join(',')} every ${c.analysis.intervalSeconds}s x${c.analysis.count}${c.analysis.baseline ? ' vs baseline' : ''}`);
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
