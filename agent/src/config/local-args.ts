/**
 * Command-line parsing of the revision tools: `deckhand-agent appspec validate`, `local` and
 * `preflight`. `local` takes codedeploy-local's options, long and short, with its defaults, so
 * scripts written for codedeploy-local run unchanged; `preflight` takes the same.
 */
import os from 'node:os';
import path from 'node:path';
import { FileExistsBehavior, LIFECYCLE_EVENT_NAME_PATTERN, RevisionBundleType } from '../../../protocol/src/schemas.ts';
import type { AppSpecOs, YamlOctalModes } from '../appspec/types.ts';
import { readCodeDeployRoot } from './codedeploy-conf.ts';

/** Usage of the revision tools, appended to the agent's usage text. */
export const LOCAL_USAGE = `  deckhand-agent appspec validate PATH [--os linux|windows] [--strict] [--yaml-octal-modes deckhand|codedeploy] [--json]
  deckhand-agent local [-l|--bundle-location PATH|URL] [-t|--type zip|tar|tgz|directory]
        [-b|--file-exists-behavior DISALLOW|OVERWRITE|RETAIN] [-g|--deployment-group ID] [-d|--deployment-group-name G]
        [-a|--application-name A] [-e|--events E1,E2,...] [-c|--agent-configuration-file FILE]
        [-A|--appspec-filename NAME] [--root DIR] [--dest-root DIR] [--s3-endpoint URL]
        [--yaml-octal-modes deckhand|codedeploy] [--json] [-v|--version]
  deckhand-agent preflight (the same options as local) [--strict]

appspec validate  checks an appspec (a file, or a revision directory holding one) for this OS or --os;
          prints one line per problem (exit 1), or with --json the normalized appspec (exit 0). A hook
          name that is no lifecycle event is a warning naming the closest one, and so is a hook location
          that climbs out of the revision (the agent will not run it); --strict makes them errors.
local     runs the whole lifecycle of a revision on this host, without a coordinator, as
          codedeploy-local does, with its options and defaults (the bundle is the current directory,
          the group id default-local-deployment-group). The location is a path,
          s3://bucket/key[?versionId=V&etag=E] or an https:// URL. State lives under --root (default
          ~/.deckhand/local, for root /var/lib/deckhand-local, or the :root_dir: of the -c file).
          --json prints one JSON object at the end.
preflight checks a revision without running anything: archive, appspec, scripts, users,
          destinations, disk space and file_exists_behavior conflicts.`;

/** `deckhand-agent appspec validate`. */
export interface AppSpecValidateCommand {
  kind: 'appspec-validate';
  path: string;
  os: AppSpecOs;
  json: boolean;
  /** Unknown hook names and hook locations climbing out of the revision are errors, not warnings. */
  strict: boolean;
  yamlOctalModes: YamlOctalModes;
}

/** `deckhand-agent local` and `deckhand-agent preflight`. */
export interface LocalCommand {
  kind: 'local' | 'preflight';
  /** As given (APPLICATION_NAME defaults to it, as in codedeploy-local); the current directory by default. */
  bundleLocation: string;
  type: RevisionBundleType;
  applicationName?: string;
  /** The deployment group id: the folder under the root whose history (last successful revision) the run uses. */
  deploymentGroupId: string;
  deploymentGroupName: string;
  /** The --events list as given, checked for syntax; undefined for CodeDeploy's default order. */
  events?: string[];
  fileExistsBehavior: FileExistsBehavior;
  root: string;
  destRoot?: string;
  s3Endpoint?: string;
  /** codedeploy-local's --appspec-filename. */
  appSpecFileName?: string;
  yamlOctalModes: YamlOctalModes;
  json: boolean;
  /** preflight: unknown hook names and climbing hook locations are problems, not warnings. */
  strict: boolean;
}

/** codedeploy-local's default deployment group id (the folder name under the root). */
export const DEFAULT_LOCAL_GROUP_ID = 'default-local-deployment-group';

/** The host's appspec `os`. */
export function hostOs(): AppSpecOs {
  return process.platform === 'win32' ? 'windows' : 'linux';
}

/** Parses a string option against a fixed set; `fail` builds the caller's usage error. */
function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string, fail: (m: string) => Error): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw fail(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
}

const OCTAL_MODES: readonly YamlOctalModes[] = ['deckhand', 'codedeploy'];

function octalModes(values: Record<string, unknown>, fail: (m: string) => Error): YamlOctalModes {
  return oneOf((values['yaml-octal-modes'] as string | undefined) ?? 'deckhand', OCTAL_MODES, '--yaml-octal-modes', fail);
}

/** Builds an appspec validate command from parsed values. */
export function toAppSpecValidate(positionals: string[], values: Record<string, unknown>, fail: (m: string) => Error): AppSpecValidateCommand {
  if (positionals[0] !== 'validate') throw fail('expected "appspec validate PATH"');
  const file = positionals[1];
  if (file === undefined || positionals.length > 2) throw fail('appspec validate takes exactly one PATH');
  const osName = (values['os'] as string | undefined) ?? hostOs();
  return {
    kind: 'appspec-validate',
    path: path.resolve(file),
    os: oneOf(osName, ['linux', 'windows'], '--os', fail),
    json: values['json'] === true,
    strict: values['strict'] === true,
    yamlOctalModes: octalModes(values, fail),
  };
}

/** Builds a local or preflight command from parsed values. */
export function toLocalCommand(kind: 'local' | 'preflight', values: Record<string, unknown>, fail: (m: string) => Error): LocalCommand {
  const str = (key: string): string | undefined => {
    const v = values[key] as string | undefined;
    if (v === '') throw fail(`--${key} must not be empty`);
    return v;
  };
  const configFile = str('agent-configuration-file');
  const configRoot = configFile === undefined ? undefined : readCodeDeployRoot(configFile, fail);
  const cmd: LocalCommand = {
    kind,
    bundleLocation: str('bundle-location') ?? process.cwd(),
    type: oneOf(str('type') ?? 'directory', RevisionBundleType.options, '--type', fail),
    deploymentGroupId: groupId(str('deployment-group') ?? DEFAULT_LOCAL_GROUP_ID, fail),
    deploymentGroupName: str('deployment-group-name') ?? 'LocalFleet',
    fileExistsBehavior: oneOf((str('file-exists-behavior') ?? 'DISALLOW').toUpperCase(), FileExistsBehavior.options, '--file-exists-behavior', fail),
    root: path.resolve(str('root') ?? configRoot ?? defaultLocalRoot()),
    yamlOctalModes: octalModes(values, fail),
    json: values['json'] === true,
    strict: values['strict'] === true,
  };
  if (kind === 'local' && cmd.strict) throw fail('--strict is an option of preflight (and appspec validate), not of local');
  const events = str('events');
  if (events !== undefined) cmd.events = parseEvents(events, fail);
  const optional = { applicationName: 'application-name', s3Endpoint: 's3-endpoint', appSpecFileName: 'appspec-filename' } as const;
  for (const [field, flag] of Object.entries(optional)) {
    const value = str(flag);
    if (value !== undefined) cmd[field as keyof typeof optional] = value;
  }
  const destRoot = str('dest-root');
  if (destRoot !== undefined) cmd.destRoot = path.resolve(destRoot);
  if (cmd.appSpecFileName !== undefined && /[\\/]/.test(cmd.appSpecFileName)) throw fail('--appspec-filename must be a file name at the revision root, without a directory');
  return cmd;
}

/**
 * Where local runs keep their state by default: ~/.deckhand/local, or for root /var/lib/deckhand-local,
 * since root's home is closed to other users and a hook with runas must reach its script.
 */
export function defaultLocalRoot(): string {
  return process.getuid?.() === 0 ? '/var/lib/deckhand-local' : path.join(os.homedir(), '.deckhand', 'local');
}

/** The group id names a folder under the root: one plain name. */
function groupId(id: string, fail: (m: string) => Error): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) return id;
  throw fail(`--deployment-group must be a deployment group id (letters, digits, . _ -), got "${id}"`);
}

/** The option spec shared by local and preflight: codedeploy-local's options (with its short names) and ours. */
export const LOCAL_OPTIONS = {
  'bundle-location': { type: 'string', short: 'l' },
  type: { type: 'string', short: 't' },
  'file-exists-behavior': { type: 'string', short: 'b' },
  'deployment-group': { type: 'string', short: 'g' },
  'deployment-group-name': { type: 'string', short: 'd' },
  'application-name': { type: 'string', short: 'a' },
  events: { type: 'string', short: 'e' },
  'agent-configuration-file': { type: 'string', short: 'c' },
  'appspec-filename': { type: 'string', short: 'A' },
  version: { type: 'boolean', short: 'v' },
  root: { type: 'string' },
  'dest-root': { type: 'string' },
  's3-endpoint': { type: 'string' },
  'yaml-octal-modes': { type: 'string' },
  json: { type: 'boolean' },
  strict: { type: 'boolean' },
} as const;

/** Events the agent cannot be asked to run by name, and why. */
const NOT_RUNNABLE: Readonly<Record<string, string>> = {
  BlockTraffic: 'is done by whoever drives the load balancer, not by the agent',
  AllowTraffic: 'is done by whoever drives the load balancer, not by the agent',
  AfterFailure: 'runs by itself when an event fails',
  Pending: 'is the name of a deployment state',
  Succeeded: 'is the name of a deployment state',
  Failed: 'is the name of a deployment state',
};

/**
 * The --events list, in the order given. Any PascalCase name is allowed: CodeDeploy's events and
 * custom events the appspec defines (checked at Install, as codedeploy-local does). Whether the
 * order is one CodeDeploy runs is checked before the run (commands/local-events.ts).
 */
function parseEvents(list: string, fail: (m: string) => Error): string[] {
  const events = list.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (events.length === 0) throw fail('--events must name at least one event');
  for (const event of events) {
    if (!LIFECYCLE_EVENT_NAME_PATTERN.test(event)) throw fail(`--events: "${event}" is not an event name (a PascalCase name such as BeforeInstall)`);
    const why = NOT_RUNNABLE[event];
    if (why !== undefined) throw fail(`--events: ${event} ${why}`);
    if (events.indexOf(event) !== events.lastIndexOf(event)) throw fail(`--events names ${event} twice`);
  }
  return events;
}
