/**
 * Traffic control on the command line: the `--traffic`, `--style` and `--blue-green` options of
 * `deckhand groups create` and `groups update`, and `deckhand groups traffic` (where each host
 * stands on the group's load balancer).
 *
 * `groups update` with these options changes only the traffic settings (PUT .../traffic).
 *
 * `--traffic` takes JSON (`{"provider":"haproxy",...}`), `@FILE` (JSON in a file, keeping a
 * webhook token out of the shell history), `none` (update only: no traffic control), or the short
 * form `PROVIDER,key=value,...` (numbers and true/false are converted; nginx's `reload` is split
 * on spaces), e.g. `haproxy,socket=/run/haproxy/admin.sock,backend=web,serverTemplate={hostname}`.
 * `--blue-green` takes JSON, `@FILE`, or `fleet=TAG[,canary=PCT:SECONDS|linear=PCT:SECONDS][,wait=MINUTES][,retire]`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { GroupTrafficView, SetGroupTrafficRequest } from '../../../protocol/src/index.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, required, type ConnectionValues } from '../args.ts';
import { connect, emit, showHelp } from '../command.ts';
import type { CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { sanitize } from '../format/sanitize.ts';
import { renderTable } from '../format/table.ts';

/** The options both `groups create` and `groups update` take. */
export const TRAFFIC_OPTIONS = {
  traffic: { type: 'string' },
  style: { type: 'string' },
  'blue-green': { type: 'string' },
} as const;

export const TRAFFIC_HELP = `  --traffic SPEC        the load balancer BlockTraffic and AllowTraffic drive: JSON, @FILE, or
                        PROVIDER,key=value,... (haproxy, nginx, command, http); update: none removes it
  --style STYLE         in-place (default) or blue-green
  --blue-green SPEC     blue/green settings: JSON, @FILE, or fleet=TAG[,canary=PCT:SECONDS|
                        linear=PCT:SECONDS][,wait=MINUTES][,retire]`;

/** Values of {@link TRAFFIC_OPTIONS} as parseArgs returns them. */
export interface TrafficFlags {
  traffic?: string | undefined;
  style?: string | undefined;
  'blue-green'?: string | undefined;
}

function readJson(text: string, flag: string, usage: string): unknown {
  const source = text.startsWith('@') ? readFile(text.slice(1), flag, usage) : text;
  try {
    return JSON.parse(source);
  } catch (err) {
    throw new UsageError(`${flag}: not valid JSON (${(err as Error).message})`, usage);
  }
}

function readFile(file: string, flag: string, usage: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, usage);
  }
}

function scalar(key: string, value: string): unknown {
  if (key === 'reload') return value.split(/\s+/).filter((x) => x !== '');
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

/** Parses `--traffic`; `null` for `none`. The coordinator checks the result (and names what is wrong). */
export function parseTrafficSpec(text: string, usage: string): Record<string, unknown> | null {
  if (text === 'none') return null;
  if (text.startsWith('{') || text.startsWith('@')) return readJson(text, '--traffic', usage) as Record<string, unknown>;
  const [provider, ...pairs] = text.split(',');
  const out: Record<string, unknown> = { provider };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--traffic: expected key=value after the provider, got ${JSON.stringify(pair)}`, usage);
    const key = pair.slice(0, eq);
    out[key] = scalar(key, pair.slice(eq + 1));
  }
  return out;
}

function stepOf(text: string, what: string, usage: string): { percent: number; seconds: number } {
  const m = /^(\d{1,2})%?:(\d+)s?$/.exec(text);
  if (!m) throw new UsageError(`--blue-green: ${what} expects PERCENT:SECONDS, e.g. ${what}=10:60, got ${JSON.stringify(text)}`, usage);
  return { percent: Number(m[1]), seconds: Number(m[2]) };
}

/** Parses `--blue-green` into CodeDeploy's blueGreenDeploymentConfiguration shape. */
export function parseBlueGreenSpec(text: string, usage: string): Record<string, unknown> | null {
  if (text === 'none') return null;
  if (text.startsWith('{') || text.startsWith('@')) return readJson(text, '--blue-green', usage) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  let action = 'KEEP_ALIVE';
  let wait = 0;
  for (const part of text.split(',')) {
    const [key, value = ''] = part.split('=', 2) as [string, string?];
    if (key === 'fleet') out['greenFleetProvisioningOption'] = { action: 'DISCOVER_BY_TAGS', fleetTag: value };
    else if (key === 'canary') {
      const s = stepOf(value, 'canary', usage);
      out['trafficRoutingConfig'] = { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: s.percent, canaryIntervalSeconds: s.seconds } };
    } else if (key === 'linear') {
      const s = stepOf(value, 'linear', usage);
      out['trafficRoutingConfig'] = { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: s.percent, linearIntervalSeconds: s.seconds } };
    } else if (key === 'wait') wait = Number(value);
    else if (key === 'retire') action = 'RETIRE';
    else throw new UsageError(`--blue-green: unknown setting ${JSON.stringify(key)} (fleet, canary, linear, wait, retire)`, usage);
  }
  if (out['greenFleetProvisioningOption'] === undefined) throw new UsageError('--blue-green: fleet=TAG is required (the tag whose two values make the two fleets)', usage);
  if (!Number.isFinite(wait) || wait < 0) throw new UsageError('--blue-green: wait is a number of minutes', usage);
  out['terminateBlueInstancesOnDeploymentSuccess'] = { action, terminationWaitTimeInMinutes: wait };
  return out;
}

function parseStyle(text: string, usage: string): { deploymentType: 'IN_PLACE' | 'BLUE_GREEN' } {
  const t = text.toLowerCase().replace(/_/g, '-');
  if (t === 'in-place') return { deploymentType: 'IN_PLACE' };
  if (t === 'blue-green') return { deploymentType: 'BLUE_GREEN' };
  throw new UsageError(`--style must be in-place or blue-green, got ${JSON.stringify(text)}`, usage);
}

/** The traffic fields of a group request from the flags (only those given). */
export function trafficFields(values: TrafficFlags, usage: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (values.traffic !== undefined) out['trafficControl'] = parseTrafficSpec(values.traffic, usage);
  if (values.style !== undefined) out['deploymentStyle'] = parseStyle(values.style, usage);
  if (values['blue-green'] !== undefined) out['blueGreenDeploymentConfiguration'] = parseBlueGreenSpec(values['blue-green'], usage);
  return out;
}

export const TRAFFIC_USAGE = `Usage: deckhand groups traffic --application A --name G

Shows where each host of deployment group G stands on its load balancer: what Deckhand last did
(serving, draining, out) and, when the balancer can tell (HAProxy, nginx beside the
coordinator), what it says now; for blue/green, each host's fleet and the fleet serving.

${CONNECTION_HELP}`;

/** True when any of {@link TRAFFIC_OPTIONS} was given. */
export function hasTrafficFlags(values: TrafficFlags): boolean {
  return values.traffic !== undefined || values.style !== undefined || values['blue-green'] !== undefined;
}

/**
 * `deckhand groups update` with traffic flags: PUT .../traffic (what is not given stays). Other
 * settings in the same call are refused: the two are stored by different requests, and one
 * failing after the other succeeded would leave half a change.
 */
export async function updateGroupTraffic(values: TrafficFlags & ConnectionValues & { application?: string | undefined; name?: string | undefined; json: boolean }, otherSettings: string[], ctx: CliContext, usage: string): Promise<number> {
  if (otherSettings.length > 0) {
    throw new UsageError(`update changes traffic settings (--traffic, --style, --blue-green) or the others, not both in one call: run it again for ${otherSettings.join(', ')}`, usage);
  }
  const application = required(values.application, '--application', usage);
  const name = required(values.name, '--name', usage);
  const req = trafficFields(values, usage) as SetGroupTrafficRequest;
  const settings = await connect(values, ctx).setGroupTraffic(application, name, req);
  const provider = (settings.trafficControl as { provider?: string } | undefined)?.provider;
  emit(ctx, values.json, settings, sanitize(`${name}: ${provider === undefined ? 'no traffic control' : `traffic control by ${provider}`}, ${settings.deploymentStyle?.deploymentType ?? 'IN_PLACE'}`));
  return 0;
}

/** `deckhand groups traffic`: each host of the group on its balancer. */
export async function groupsTraffic(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parseOrUsage(TRAFFIC_USAGE, () => parseArgs({ args: argv, options: { ...CONNECTION_OPTIONS, application: { type: 'string' }, name: { type: 'string' } } }));
  if (values.help) return showHelp(ctx, TRAFFIC_USAGE);
  const view = await connect(values, ctx).getGroupTraffic(required(values.application, '--application', TRAFFIC_USAGE), required(values.name, '--name', TRAFFIC_USAGE));
  emit(ctx, values.json, view, formatGroupTraffic(view));
  return 0;
}

/** The `groups traffic` report. */
export function formatGroupTraffic(view: GroupTrafficView): string {
  const head = `${view.deploymentGroupName}: ${view.provider === undefined ? 'no traffic control' : `traffic control by ${view.provider}`}, ${view.deploymentType}${view.liveFleet === undefined ? '' : `, fleet ${view.liveFleet} serving`}`;
  const blueGreen = view.deploymentType === 'BLUE_GREEN';
  const rows = view.hosts.map((h) => [h.hostname, h.instanceId, ...(blueGreen ? [h.fleet ?? ''] : []), h.state, h.live ? `${h.live.state} (${h.live.detail})` : '', h.detail ?? '']);
  const table = renderTable(['HOST', 'INSTANCE', ...(blueGreen ? ['FLEET'] : []), 'LAST SET', 'BALANCER NOW', 'DETAIL'], rows);
  return [sanitize(head), '', rows.length === 0 ? 'no hosts' : table, ...(view.problem === undefined ? [] : ['', `the balancer could not be read: ${view.problem}`])].join('\n');
}
