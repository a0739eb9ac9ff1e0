/**
 * Command-line parsing of the revision tools: `deckhand-agent appspec validate`, `local` and
 * `preflight` (the last two take the same options, as codedeploy-local's).
 */
import os from 'node:os';
import path from 'node:path';
import { FileExistsBehavior, IN_PLACE_EVENTS, RevisionBundleType } from '../../../protocol/src/index.ts';
import type { AppSpecOs } from '../appspec/types.ts';

/** Usage of the revision tools, appended to the agent's usage text. */
export const LOCAL_USAGE = `  deckhand-agent appspec validate PATH [--os linux|windows] [--json]
  deckhand-agent local --bundle-location PATH|URL [--type zip|tar|tgz|directory] [--application-name A]
        [--deployment-group-name G] [--events E1,E2,...] [--file-exists-behavior DISALLOW|OVERWRITE|RETAIN]
        [--root DIR] [--dest-root DIR] [--s3-endpoint URL]
  deckhand-agent preflight (the same options as local)

appspec validate  checks an appspec (a file, or a revision directory holding one) for this OS or --os;
          prints one line per problem (exit 1), or with --json the normalized appspec (exit 0).
local     runs the whole lifecycle of a revision on this host, without a coordinator, as
          codedeploy-local does. The location is a path, s3://bucket/key[?versionId=V&etag=E] or an
          https:// URL. State lives under --root (default ~/.deckhand/local).
preflight checks a revision without running anything: archive, appspec, scripts, users,
          destinations, disk space and file_exists_behavior conflicts.`;

/** `deckhand-agent appspec validate`. */
export interface AppSpecValidateCommand {
  kind: 'appspec-validate';
  path: string;
  os: AppSpecOs;
  json: boolean;
}

/** `deckhand-agent local` and `deckhand-agent preflight`. */
export interface LocalCommand {
  kind: 'local' | 'preflight';
  bundleLocation: string;
  type: RevisionBundleType;
  applicationName?: string;
  deploymentGroupName: string;
  /** Selected events; undefined for all. DownloadBundle and Install are always included. */
  events?: string[];
  fileExistsBehavior: FileExistsBehavior;
  root: string;
  destRoot?: string;
  s3Endpoint?: string;
}

/** The host's appspec `os`. */
export function hostOs(): AppSpecOs {
  return process.platform === 'win32' ? 'windows' : 'linux';
}

/** Parses a string option against a fixed set; `fail` builds the caller's usage error. */
function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string, fail: (m: string) => Error): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw fail(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
}

/** Builds an appspec validate command from parsed values. */
export function toAppSpecValidate(positionals: string[], values: Record<string, unknown>, fail: (m: string) => Error): AppSpecValidateCommand {
  if (positionals[0] !== 'validate') throw fail('expected "appspec validate PATH"');
  const file = positionals[1];
  if (file === undefined || positionals.length > 2) throw fail('appspec validate takes exactly one PATH');
  const osName = (values['os'] as string | undefined) ?? hostOs();
  return { kind: 'appspec-validate', path: path.resolve(file), os: oneOf(osName, ['linux', 'windows'], '--os', fail), json: values['json'] === true };
}

/** Builds a local or preflight command from parsed values. */
export function toLocalCommand(kind: 'local' | 'preflight', values: Record<string, unknown>, fail: (m: string) => Error): LocalCommand {
  const str = (key: string): string | undefined => {
    const v = values[key] as string | undefined;
    if (v === '') throw fail(`--${key} must not be empty`);
    return v;
  };
  const location = str('bundle-location');
  if (location === undefined) throw fail('--bundle-location is required');
  const cmd: LocalCommand = {
    kind,
    bundleLocation: location,
    type: oneOf(str('type') ?? 'directory', RevisionBundleType.options, '--type', fail),
    deploymentGroupName: str('deployment-group-name') ?? 'LocalFleet',
    fileExistsBehavior: oneOf((str('file-exists-behavior') ?? 'DISALLOW').toUpperCase(), FileExistsBehavior.options, '--file-exists-behavior', fail),
    root: path.resolve(str('root') ?? path.join(os.homedir(), '.deckhand', 'local')),
  };
  const events = str('events');
  if (events !== undefined) cmd.events = parseEvents(events, fail);
  const app = str('application-name');
  if (app !== undefined) cmd.applicationName = app;
  const destRoot = str('dest-root');
  if (destRoot !== undefined) cmd.destRoot = path.resolve(destRoot);
  const endpoint = str('s3-endpoint');
  if (endpoint !== undefined) cmd.s3Endpoint = endpoint;
  return cmd;
}

/** The option spec shared by local and preflight. */
export const LOCAL_OPTIONS = {
  'bundle-location': { type: 'string' },
  type: { type: 'string' },
  'application-name': { type: 'string' },
  'deployment-group-name': { type: 'string' },
  events: { type: 'string' },
  'file-exists-behavior': { type: 'string' },
  root: { type: 'string' },
  'dest-root': { type: 'string' },
  's3-endpoint': { type: 'string' },
} as const;

/** The in-place events only: the traffic events need a load balancer, which local runs have not. */
function parseEvents(list: string, fail: (m: string) => Error): string[] {
  const events = list.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const unknown = events.filter((e) => !(IN_PLACE_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0) {
    throw fail(`--events: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not an event' : 'are not events'} a local run can run; use ${IN_PLACE_EVENTS.join(', ')}`);
  }
  // As codedeploy-local: the agent's own events always run.
  return [...new Set(['DownloadBundle', 'Install', ...events])];
}
