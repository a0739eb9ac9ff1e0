/**
 * `deckhand-agent config-write --file FILE [--reboot-command CMD] [--download-stall-seconds N]
 * [--proxy URL] [--no-proxy LIST] [--log-level L] [--trusted-key FILE_OR_KEY ...]`: sets those keys of agent.yml, keeping the
 * rest of the file and its comments, for the installers (install.sh --reboot-command ...). The
 * result is checked against the same schema `run` reads with; a bad value or a bad existing file
 * changes nothing. Exit 0 written, 2 refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { ConfigFileError, parseAgentConfig } from '../config/file.ts';

/** Flag → agent.yml key, and how its value is written. */
const FLAGS: Record<string, { key: string; number?: true }> = {
  'reboot-command': { key: 'rebootCommand' },
  'download-stall-seconds': { key: 'downloadStallSeconds', number: true },
  proxy: { key: 'proxy' },
  'no-proxy': { key: 'noProxy' },
  'log-level': { key: 'logLevel' },
};

const HEADER = '# Settings of the Deckhand agent (deckhand-agent run). Flags of `run` win over these.\n';

function fail(message: string): number {
  process.stderr.write(`deckhand-agent config-write: ${message}\n`);
  return 2;
}

/** A `--trusted-key` value: a minisign public key file (its `RW...` line is taken) or the line itself. */
function keyLine(value: string): string {
  if (!/^RW[A-Za-z0-9+/]+=*$/.test(value) && fs.existsSync(value)) {
    return fs.readFileSync(value, 'utf8').split(/\r?\n/).find((l) => l.startsWith('RW'))?.trim() ?? value;
  }
  return value;
}

/** Writes `text` to `file` through a temporary file and a rename, so no reader sees half of it. */
function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** Runs `config-write` with `argv` (after the command name); resolves to the exit code. */
export function configWriteCommand(argv: readonly string[]): number {
  let values: Record<string, string | undefined>;
  try {
    const options = {
      ...Object.fromEntries(['file', ...Object.keys(FLAGS)].map((f) => [f, { type: 'string' as const }])),
      'trusted-key': { type: 'string' as const, multiple: true },
    };
    values = parseArgs({ args: [...argv], options, strict: true }).values as Record<string, string | undefined>;
  } catch (err) {
    return fail((err as Error).message);
  }
  const file = values['file'];
  if (!file) return fail('--file is required');
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : HEADER;
  const doc = parseDocument(existing);
  const keys = values['trusted-key'];
  if (keys !== undefined) doc.set('trustedKeys', (keys as unknown as string[]).map(keyLine));
  for (const [flag, { key, number }] of Object.entries(FLAGS)) {
    const value = values[flag];
    if (value === undefined) continue;
    doc.set(key, number && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  }
  const text = doc.toString();
  try {
    parseAgentConfig(text, file);
  } catch (err) {
    if (err instanceof ConfigFileError) return fail(err.message);
    throw err;
  }
  writeAtomically(file, text);
  return 0;
}
