/**
 * The agent's command line: `deckhand-agent register ...` and `deckhand-agent run ...`, parsed
 * into a complete, validated command. Bad arguments are a UsageError (exit code 2).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Tags } from '../../../protocol/src/schemas.ts';
import type { YamlOctalModes } from '../appspec/types.ts';
import { LOCAL_OPTIONS, LOCAL_USAGE, toAppSpecValidate, toLocalCommand, type AppSpecValidateCommand, type LocalCommand } from './local-args.ts';

/** Invalid command-line arguments; main prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RegisterCommand {
  kind: 'register';
  /** The coordinator registered with (the first --coordinator). */
  coordinatorUrl: string;
  /** Every --coordinator, in order, when several share one store. */
  coordinatorUrls?: string[];
  token: string;
  root: string;
  tags: Tags;
  hostname?: string;
  json: boolean;
  /** --ca-sha256: trust only the coordinator CA with this fingerprint. */
  caSha256?: string;
  /** --ca-file: trust only the CA in this PEM file. */
  caFile?: string;
  /** --config: agent.yml (its proxy settings apply to the registration too). */
  configFile?: string;
}

export interface RunCommand {
  kind: 'run';
  root: string;
  /** --coordinator URL (repeatable): replaces the coordinators stored at registration. */
  coordinatorUrls?: string[];
  destRoot?: string;
  /** Absent: agent.yml's, else info. */
  logLevel?: LogLevel;
  /** --config: the configuration file, which must then exist. Absent: the platform's default path, if there. */
  configFile?: string;
  /** Shell command that reboots the host when a hook exits 194 (Windows 3010); absent: reboots disabled. */
  rebootCommand?: string;
  /** Where this boot's id is read, to tell that the host rebooted. @default /proc/sys/kernel/random/boot_id */
  bootIdFile?: string;
  /** A bundle download that receives nothing for this long fails and is retried. @default 60 s (bundle/stall.ts) */
  downloadStallMs?: number;
  /** How appspec modes like `0644` are read (the agent configuration's `yamlOctalModes`). @default 'deckhand' */
  yamlOctalModes?: YamlOctalModes;
}

export type AgentCommand = RegisterCommand | RunCommand | AppSpecValidateCommand | LocalCommand | { kind: 'help'; text: string } | { kind: 'version' };

export const USAGE = `Usage:
  deckhand-agent --version
  deckhand-agent register --coordinator URL [--coordinator URL ...] --token TOKEN --root DIR [--tag KEY=VALUE ...] [--hostname NAME] [--json]
                          [--ca-sha256 HEX | --ca-file PEM] [--config FILE]
  deckhand-agent run --root DIR [--coordinator URL ...] [--config FILE] [--dest-root DIR] [--log-level error|warn|info|debug]
                     [--reboot-command CMD] [--download-stall-seconds N] [--yaml-octal-modes deckhand|codedeploy]

register  creates this host's key pair under DIR/identity and registers it with the coordinator
          (the token may also come from DECKHAND_REGISTRATION_TOKEN); prints the instance id.
          Several --coordinator URLs (coordinators sharing one store) are all kept: the agent
          registers with the first and fails over between them in turn.
          --ca-sha256 HEX trusts only the coordinator CA with that SHA-256 fingerprint (as
          deckhand-coordinator prints it), --ca-file PEM only that CA; either is kept and every
          later connection and download is checked against it. Without them, the system's CAs.
run       connects to the coordinator and carries out deployments; state lives in DIR/agent.db.
          --coordinator URL (repeatable) replaces the coordinators kept at registration; with
          several, a closed or refused connection moves on to the next one.
          --dest-root installs every appspec destination under that directory instead of /.
          --reboot-command runs CMD (through the shell) when a hook exits 194 (Windows 3010) to ask
          for a reboot; the hook runs again after the boot. Without it such a hook fails the event.
          --boot-id-file FILE reads the boot id from FILE (tests; default /proc/sys/kernel/random/boot_id).
          --download-stall-seconds N fails a bundle download that receives nothing for N seconds
          (default 60); a failed download is retried after 2, 8 and 30 s.
          --config FILE reads settings from FILE (default /etc/deckhand/agent.yml, or
          %ProgramData%\\Deckhand\\agent.yml, when it exists); flags win over the file.
          --yaml-octal-modes codedeploy reads an unquoted appspec mode with a leading zero (0644) as
          CodeDeploy does: YAML 1.1 octal, whose decimal digits are applied (0420). The default
          (deckhand) takes 0000 to 0007 as written and refuses the others, explaining the trap.
${LOCAL_USAGE}`;

function parseTags(values: string[]): Tags {
  const tags: Tags = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`--tag must be KEY=VALUE, got "${value}"`);
    const key = value.slice(0, eq);
    if (Object.hasOwn(tags, key)) throw new UsageError(`--tag ${key} is given twice`);
    tags[key] = value.slice(eq + 1);
  }
  return tags;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

function positiveSeconds(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a number of seconds above 0, got "${value}"`);
  return n;
}

type ParsedValues = Record<string, string | boolean | string[] | undefined>;
type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

function parse(args: string[], options: OptionSpec, allowPositionals = false): { values: ParsedValues; positionals: string[] } {
  try {
    const all = { ...options, help: { type: 'boolean' as const, short: 'h' } };
    const { values, positionals } = parseArgs({ args, options: all, strict: true, allowPositionals });
    return { values: values as ParsedValues, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function parseRegister(args: string[], env: NodeJS.ProcessEnv): AgentCommand {
  const { values } = parse(args, {
    coordinator: { type: 'string', multiple: true },
    token: { type: 'string' },
    root: { type: 'string' },
    tag: { type: 'string', multiple: true },
    hostname: { type: 'string' },
    json: { type: 'boolean' },
    'ca-sha256': { type: 'string' },
    'ca-file': { type: 'string' },
    config: { type: 'string' },
  });
  if (values['help']) return { kind: 'help', text: USAGE };
  if (values['ca-sha256'] !== undefined && values['ca-file'] !== undefined) throw new UsageError('give --ca-sha256 or --ca-file, not both');
  const cmd: RegisterCommand = {
    kind: 'register',
    coordinatorUrl: required((values['coordinator'] as string[] | undefined)?.[0], '--coordinator'),
    token: required((values['token'] as string | undefined) ?? env['DECKHAND_REGISTRATION_TOKEN'], '--token'),
    root: path.resolve(required(values['root'] as string | undefined, '--root')),
    tags: parseTags((values['tag'] as string[] | undefined) ?? []),
    json: values['json'] === true,
  };
  const coordinators = (values['coordinator'] as string[] | undefined) ?? [];
  if (coordinators.length > 1) cmd.coordinatorUrls = coordinators.map((url) => required(url, '--coordinator'));
  const hostname = values['hostname'] as string | undefined;
  if (hostname !== undefined) cmd.hostname = required(hostname, '--hostname');
  const pin = values['ca-sha256'] as string | undefined;
  if (pin !== undefined) cmd.caSha256 = required(pin, '--ca-sha256');
  const caFile = values['ca-file'] as string | undefined;
  if (caFile !== undefined) cmd.caFile = path.resolve(required(caFile, '--ca-file'));
  const config = values['config'] as string | undefined;
  if (config !== undefined) cmd.configFile = path.resolve(required(config, '--config'));
  return cmd;
}

function parseRun(args: string[]): AgentCommand {
  const { values } = parse(args, {
    root: { type: 'string' },
    coordinator: { type: 'string', multiple: true },
    'dest-root': { type: 'string' },
    'log-level': { type: 'string' },
    'reboot-command': { type: 'string' },
    'boot-id-file': { type: 'string' },
    'download-stall-seconds': { type: 'string' },
    config: { type: 'string' },
    'yaml-octal-modes': { type: 'string' },
  });
  if (values['help']) return { kind: 'help', text: USAGE };
  const cmd: RunCommand = { kind: 'run', root: path.resolve(required(values['root'] as string | undefined, '--root')) };
  const coordinators = values['coordinator'] as string[] | undefined;
  if (coordinators !== undefined) cmd.coordinatorUrls = coordinators.map((url) => required(url, '--coordinator'));
  const level = values['log-level'] as string | undefined;
  if (level !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
    cmd.logLevel = level as LogLevel;
  }
  const config = values['config'] as string | undefined;
  if (config !== undefined) cmd.configFile = path.resolve(required(config, '--config'));
  const destRoot = values['dest-root'] as string | undefined;
  if (destRoot !== undefined) cmd.destRoot = path.resolve(required(destRoot, '--dest-root'));
  const reboot = values['reboot-command'] as string | undefined;
  if (reboot !== undefined) cmd.rebootCommand = required(reboot.trim(), '--reboot-command');
  const bootIdFile = values['boot-id-file'] as string | undefined;
  if (bootIdFile !== undefined) cmd.bootIdFile = path.resolve(required(bootIdFile, '--boot-id-file'));
  const stall = values['download-stall-seconds'] as string | undefined;
  if (stall !== undefined) cmd.downloadStallMs = positiveSeconds(stall, '--download-stall-seconds') * 1000;
  const octal = values['yaml-octal-modes'] as string | undefined;
  if (octal !== undefined) {
    if (octal !== 'deckhand' && octal !== 'codedeploy') throw new UsageError(`--yaml-octal-modes must be one of deckhand, codedeploy, got "${octal}"`);
    cmd.yamlOctalModes = octal;
  }
  return cmd;
}

/** Parses `argv` (without node and the script). Throws UsageError on bad arguments. */
export function parseAgentArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): AgentCommand {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'register':
      return parseRegister(rest, env);
    case 'run':
      return parseRun(rest);
    case 'appspec': {
      const spec = { os: { type: 'string' }, json: { type: 'boolean' }, strict: { type: 'boolean' }, 'yaml-octal-modes': { type: 'string' } } as const;
      const { values, positionals } = parse(rest, spec, true);
      return values['help'] ? { kind: 'help', text: USAGE } : toAppSpecValidate(positionals, values, (m) => new UsageError(m));
    }
    case 'local':
    case 'preflight': {
      const { values } = parse(rest, LOCAL_OPTIONS);
      if (values['version']) return { kind: 'version' };
      return values['help'] ? { kind: 'help', text: USAGE } : toLocalCommand(sub, values, (m) => new UsageError(m));
    }
    case '--version':
    case '-v':
    case 'version':
      return { kind: 'version' };
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { kind: 'help', text: USAGE };
    default:
      throw new UsageError(`unknown command "${sub}"; expected register, run, appspec, local or preflight`);
  }
}
