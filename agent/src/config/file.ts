/**
 * The agent's configuration file (/etc/deckhand/agent.yml, %ProgramData%\Deckhand\agent.yml):
 * settings that can also be given as `run` flags, which win over the file. The installers write
 * it from their options. A bad file is refused at start, naming the file, the line and the key.
 *
 * ```yaml
 * logLevel: info                  # error | warn | info | debug
 * rebootCommand: systemctl reboot # run when a hook asks for a reboot (exit 194)
 * downloadStallSeconds: 60        # a download silent this long fails and is retried
 * proxy: http://proxy.example:3128
 * noProxy: localhost,.internal
 * log: { maxFileMegabytes: 10, maxFiles: 5 }
 * yamlOctalModes: deckhand        # or codedeploy: read unquoted 0644 as CodeDeploy does
 * tlsClientCert: /etc/deckhand/client.pem # for a coordinator started with --client-ca
 * tlsClientKey: /etc/deckhand/client-key.pem
 * trustedKeys:                    # minisign public keys; revisions must then be signed by one
 *   - RWSYegd7O4dFupzT1hPpDkwxDpD49rC2j1Car/5wBpwI2bYQ0gu8HVvz
 * ```
 */
import fs from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml';
import * as z from '../../../protocol/src/zod.ts';
import { closest } from '../../../common/src/suggest.ts';
import { MinisignError, parsePublicKey } from '../../../common/src/minisign.ts';

/** Largest accepted file; a configuration is a few hundred bytes. */
const MAX_CONFIG_BYTES = 64 * 1024;

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** A trusted key must be a minisign public key line (`RW...`). */
function checkPublicKey(value: string, ctx: z.core.$RefinementCtx<string>): void {
  try {
    parsePublicKey(value, 'the key');
  } catch (err) {
    if (!(err instanceof MinisignError)) throw err;
    ctx.addIssue({ code: 'custom', message: `is not a minisign public key (${err.message.replace(/^the key /, '')})` });
  }
}

const positive = (what: string) => z.number({ error: `must be a number (${what})` }).check(z.positive({ error: `must be above 0 (${what})` }));

/** The file's schema: every key optional, unknown keys refused. */
export const AgentFileConfigSchema = z.strictObject({
  logLevel: z.optional(z.enum(LEVELS, { error: `must be one of ${LEVELS.join(', ')}` })),
  rebootCommand: z.optional(z.string().check(z.trim(), z.minLength(1, { error: 'must be a non-empty command' }))),
  downloadStallSeconds: z.optional(positive('seconds')),
  proxy: z.optional(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })),
  noProxy: z.optional(z.string()),
  yamlOctalModes: z.optional(z.enum(['deckhand', 'codedeploy'], { error: 'must be deckhand or codedeploy' })),
  trustedKeys: z.optional(z.array(z.string().check(z.superRefine(checkPublicKey))).check(z.maxLength(16, { error: 'may list at most 16 keys' }))),
  tlsClientCert: z.optional(z.string().check(z.minLength(1))),
  tlsClientKey: z.optional(z.string().check(z.minLength(1))),
  log: z.optional(
    z.strictObject({
      maxFileMegabytes: z.optional(positive('MiB')),
      maxFiles: z.optional(z.int({ error: 'must be a whole number' }).check(z.minimum(1, { error: 'must be at least 1' }), z.maximum(100, { error: 'must be at most 100' }))),
    }),
  ),
});

/** What agent.yml may hold. */
export type AgentFileConfig = z.infer<typeof AgentFileConfigSchema>;

/** A configuration file that cannot be used; main prints it and exits 2. */
export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

/** The known keys at `path` of the schema, for "did you mean". */
function keysAt(path: readonly PropertyKey[]): string[] {
  const unwrap = (s: z.core.$ZodType): z.core.$ZodType => (s instanceof z.ZodMiniOptional ? s._zod.def.innerType : s);
  let shape: z.core.$ZodType = AgentFileConfigSchema;
  for (const key of path) {
    const inner = unwrap(shape);
    if (!(inner instanceof z.ZodMiniObject)) return [];
    shape = inner.shape[String(key)] ?? z.never();
  }
  const inner = unwrap(shape);
  return inner instanceof z.ZodMiniObject ? Object.keys(inner.shape) : [];
}

/** The line of the node at `path` (of its key when `key` names one), 1-based. */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[], key?: string): number {
  const at = path.length === 0 ? doc.contents : doc.getIn(path.map(String), true);
  let offset: number | undefined;
  if (key !== undefined && isMap(at)) {
    const pair = at.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  } else if (at && typeof at === 'object' && 'range' in at) {
    offset = (at as { range?: [number, number, number] }).range?.[0];
  }
  return offset === undefined ? 1 : counter.linePos(offset).line;
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, counter: LineCounter, file: string): string {
  const where = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const name = [...issue.path.map(String), key].join('.');
    const hint = closest(key, keysAt(issue.path));
    return `${file} line ${lineOf(doc, counter, issue.path, key)}: unknown key "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
  }
  return `${file} line ${lineOf(doc, counter, issue.path)}: ${where || 'the file'} ${issue.message}`;
}

/** Parses agent.yml's text; throws {@link ConfigFileError} naming the line and key of the first problem. */
export function parseAgentConfig(text: string, file: string): AgentFileConfig {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) throw new ConfigFileError(`${file} is larger than ${MAX_CONFIG_BYTES} bytes`);
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = counter.linePos(yamlError.pos[0]).line;
    throw new ConfigFileError(`${file} line ${line}: not valid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 10 }) ?? {};
  const parsed = AgentFileConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.path.length === 0 && issue.code === 'invalid_type') throw new ConfigFileError(`${file} must hold a mapping of settings (key: value)`);
    throw new ConfigFileError(describeIssue(issue, doc, counter, file));
  }
  return parsed.data;
}

/**
 * Reads agent.yml. A missing file is an empty configuration unless `required` (given with
 * --config), then an error, as is an unreadable one.
 */
export function loadAgentConfig(file: string, required: boolean): AgentFileConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return {};
    throw new ConfigFileError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return parseAgentConfig(text, file);
}
