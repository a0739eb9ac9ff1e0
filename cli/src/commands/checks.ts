/**
 * `deckhand checks create|list|delete|replay`: health checks, named by alarms (groups,
 * deployments) and by the analysis of deployment configurations.
 */
import { parseArgs } from 'node:util';
import type { CreateHealthCheckRequest, HealthCheckView, ReplayResponse } from '../../../protocol/src/health.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseDurationSeconds, parseKeyValues, parseOrUsage, required } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { sanitize } from '../format/sanitize.ts';
import { renderTable } from '../format/table.ts';

const USAGE = `Usage: deckhand checks create --name N --type http|prometheus|command|webhook [options]
       deckhand checks list
       deckhand checks delete NAME
       deckhand checks replay NAME --from T --to T [--step D] [--canary h1,h2] [--baseline h3,h4]

A health check answers Successful, Failed or Inconclusive (or Error when it cannot be measured).
A deployment group's alarms (groups create --alarm) and a configuration's analysis (configs
create --analysis) name checks. Header values and URL credentials are never shown again.

  http        --url U [--method GET|HEAD|POST] [--header K=V ...] [--body B]
              [--expect-status 200,204] [--condition '$.status == "ok"']
              The URL may name a host: {{host.address}}, {{host.hostname}}, {{host.tags.KEY}}:
              then one request per canary host.
  prometheus  --address URL --query PROMQL --condition 'result < 0.01' [--host-label L]
              The query may use {{canary.selector}} (L=~"host-1|host-2"), {{canary.instances}},
              {{baseline.selector}}, {{baseline.instances}}.
  command     --script LOCATION [--runas USER]: a script of the revision, run by the agent on
              each host of the step as a hook is. Not available yet: the coordinator refuses it.
  webhook     --url U [--header K=V ...]: POSTs {deploymentId, step, hosts}; the answer
              {directive: continue|abort|pause, reason} decides (Spinnaker's deployment monitor).

Options:
  --name N              the check's name (alarms and analyses refer to it)
  --type T              http, prometheus, command or webhook
  --timeout D           how long one evaluation may take (default 10s; command: 60s)
  --description D       free text
  --from T, --to T      the window to replay (ISO 8601 times, e.g. 2025-06-01T10:00:00Z)
  --step D              time between two replayed evaluations (default 1m)

${CONNECTION_HELP}`;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  name: { type: 'string' },
  type: { type: 'string' },
  url: { type: 'string' },
  method: { type: 'string' },
  header: { type: 'string', multiple: true },
  body: { type: 'string' },
  'expect-status': { type: 'string' },
  condition: { type: 'string' },
  address: { type: 'string' },
  query: { type: 'string' },
  'host-label': { type: 'string' },
  script: { type: 'string' },
  runas: { type: 'string' },
  timeout: { type: 'string' },
  description: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  step: { type: 'string' },
  canary: { type: 'string' },
  baseline: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>['values'];

/** The flags each type takes besides --name, --type, --timeout and --description. */
const FLAGS: Readonly<Record<string, readonly string[]>> = {
  http: ['url', 'method', 'header', 'body', 'expect-status', 'condition'],
  prometheus: ['address', 'query', 'condition', 'host-label', 'header'],
  command: ['script', 'runas'],
  webhook: ['url', 'header'],
};

function statuses(text: string): number[] {
  return text.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 100 || n > 599) throw new UsageError(`--expect-status expects HTTP statuses such as 200,204, got ${JSON.stringify(text)}`, USAGE);
    return n;
  });
}

/** The create request for the flags; which flags a type takes is checked here, the rest by the coordinator. */
export function checkRequest(values: Values): CreateHealthCheckRequest {
  const name = required(values.name, '--name', USAGE);
  const type = required(values.type, '--type', USAGE);
  const allowed = FLAGS[type];
  if (allowed === undefined) throw new UsageError(`--type must be http, prometheus, command or webhook, got ${JSON.stringify(type)}`, USAGE);
  for (const flag of Object.keys(FLAGS).flatMap((t) => FLAGS[t] ?? [])) {
    if ((values as Record<string, unknown>)[flag] !== undefined && !allowed.includes(flag)) throw new UsageError(`--${flag} does not apply to a ${type} check`, USAGE);
  }
  const common = {
    name,
    ...(values.description === undefined ? {} : { description: values.description }),
    ...(values.timeout === undefined ? {} : { timeoutSeconds: parseDurationSeconds(values.timeout, '--timeout', USAGE) }),
  };
  const headers = values.header === undefined ? {} : { headers: parseKeyValues(values.header, '--header', USAGE) };
  switch (type) {
    case 'http':
      return {
        ...common, type, url: required(values.url, '--url', USAGE), ...headers,
        ...(values.method === undefined ? {} : { method: values.method.toUpperCase() as 'GET' }),
        ...(values.body === undefined ? {} : { body: values.body }),
        ...(values['expect-status'] === undefined ? {} : { expectedStatus: statuses(values['expect-status']) }),
        ...(values.condition === undefined ? {} : { condition: values.condition }),
      };
    case 'prometheus':
      return {
        ...common, type, address: required(values.address, '--address', USAGE), query: required(values.query, '--query', USAGE),
        condition: required(values.condition, '--condition', USAGE), ...headers,
        ...(values['host-label'] === undefined ? {} : { hostLabel: values['host-label'] }),
      };
    case 'command':
      return { ...common, type, script: required(values.script, '--script', USAGE), ...(values.runas === undefined ? {} : { runas: values.runas }) };
    default:
      return { ...common, type: 'webhook', url: required(values.url, '--url', USAGE), ...headers };
  }
}

/** One line about what a check does. */
function what(c: HealthCheckView): string {
  const s = c.spec as Record<string, unknown>;
  const text = (k: string): string => (typeof s[k] === 'string' ? (s[k] as string) : '');
  switch (c.type) {
    case 'http':
      return `${text('method') || 'GET'} ${text('url')}${s['condition'] ? `, ${text('condition')}` : ''}`;
    case 'prometheus':
      return `${text('query')} at ${text('address')}: ${text('condition')}`;
    case 'command':
      return `${text('script')}${s['runas'] ? ` as ${text('runas')}` : ''}`;
    default:
      return `POST ${text('url')}`;
  }
}

function formatChecks(checks: readonly HealthCheckView[]): string {
  if (checks.length === 0) return 'no health checks (deckhand checks create)';
  return renderTable(['NAME', 'TYPE', 'WHAT', 'CREATED'], checks.map((c) => [c.name, c.type, what(c), `${c.createTime}${c.createdBy ? ` by ${c.createdBy}` : ''}`]));
}

/** The replay as a table and a line of counts. */
export function formatReplay(r: ReplayResponse): string {
  const table = renderTable(['AT', 'VERDICT', 'DETAIL'], r.results.map((x) => [x.at, x.verdict, x.message]));
  const counts = Object.entries(r.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
  const failed = r.counts['Failed'] ?? 0;
  const verdict = failed > 0 ? `check ${r.check} would have failed ${failed} time(s)` : `check ${r.check} would not have failed`;
  return `${table}\n\n${verdict} (${counts || 'no evaluation'})`;
}

async function replay(values: Values, rest: string[], ctx: Parameters<Command['run']>[1]): Promise<number> {
  if (rest.length !== 1) throw new UsageError('replay takes exactly one check NAME', USAGE);
  const query = {
    from: required(values.from, '--from', USAGE),
    to: required(values.to, '--to', USAGE),
    ...(values.step === undefined ? {} : { step: parseDurationSeconds(values.step, '--step', USAGE) }),
    ...(values.canary === undefined ? {} : { canary: values.canary }),
    ...(values.baseline === undefined ? {} : { baseline: values.baseline }),
  };
  const result = await connect(values, ctx).replayHealthCheck(rest[0] as string, query);
  emit(ctx, values.json, result, formatReplay(result));
  return (result.counts['Failed'] ?? 0) > 0 ? 1 : 0;
}

export const checksCommand: Command = {
  name: 'checks',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () => parseArgs({ args: argv, allowPositionals: true, options: OPTIONS }));
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'create': {
        if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
        const created = await connect(values, ctx).createHealthCheck(checkRequest(values));
        emit(ctx, values.json, created, sanitize(created.name));
        return 0;
      }
      case 'list': {
        const checks = await connect(values, ctx).listHealthChecks();
        emit(ctx, values.json, { healthChecks: checks }, formatChecks(checks));
        return 0;
      }
      case 'delete': {
        if (rest.length !== 1) throw new UsageError('delete takes exactly one check NAME', USAGE);
        const deleted = await connect(values, ctx).deleteHealthCheck(rest[0] as string);
        emit(ctx, values.json, deleted, `deleted ${sanitize(deleted.name)}`);
        return 0;
      }
      case 'replay':
        return replay(values, rest, ctx);
      default:
        throw new UsageError(sub === undefined ? 'missing subcommand (create, list, delete or replay)' : `unknown subcommand ${sub}`, USAGE);
    }
  },
};
