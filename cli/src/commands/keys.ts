/**
 * `deckhand keys generate NAME [--dir DIR]`: an Ed25519 key pair for signing revisions, in
 * minisign's formats (NAME.key, unencrypted, mode 0600; NAME.pub), so `minisign -V` checks what
 * `deckhand push --sign NAME.key` signs. Agents get the public key at install
 * (`install.sh --trusted-key NAME.pub`); the coordinator never holds either half.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateKeyPair } from '../../../common/src/minisign.ts';
import { parseOrUsage, subcommand } from '../args.ts';
import { emit, showHelp, type Command } from '../command.ts';
import { CliError, UsageError } from '../errors.ts';

const USAGE = `Usage: deckhand keys generate NAME [--dir DIR] [--json]

Makes a key pair for signing revisions: DIR/NAME.key (the secret key, unencrypted, mode 0600:
keep it like a password, e.g. as a CI secret) and DIR/NAME.pub (the public key). Both are in
minisign's formats. Give the public key to agents at install (install.sh --trusted-key
NAME.pub); sign with deckhand push --sign NAME.key. Refuses to overwrite existing files.

Options:
  --dir DIR      where to write the files (default: the current directory)
  --json         print one JSON object
  -h, --help     show this help`;

export const keysCommand: Command = {
  name: 'keys',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({ args: argv, allowPositionals: true, options: { dir: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [name, ...rest] = subcommand(positionals, 'generate', USAGE);
    if (name === undefined || rest.length > 0) throw new UsageError('keys generate takes exactly one NAME', USAGE);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new UsageError(`NAME must be 1-64 letters, digits, . _ or -, got ${JSON.stringify(name)}`, USAGE);
    const dir = path.resolve(values.dir ?? '.');
    const secretFile = path.join(dir, `${name}.key`);
    const publicFile = path.join(dir, `${name}.pub`);
    for (const f of [secretFile, publicFile]) if (fs.existsSync(f)) throw new CliError(`${f} exists already: nothing was written`);
    const pair = generateKeyPair();
    fs.mkdirSync(dir, { recursive: true });
    // wx: fail rather than follow a file or link that appeared meanwhile.
    fs.writeFileSync(secretFile, pair.secretKeyFile, { mode: 0o600, flag: 'wx' });
    fs.writeFileSync(publicFile, pair.publicKeyFile, { mode: 0o644, flag: 'wx' });
    const publicKey = pair.publicKeyFile.split('\n')[1] ?? '';
    emit(ctx, values.json, { keyId: pair.keyId, secretKeyFile: secretFile, publicKeyFile: publicFile, publicKey }, [
      `key ${pair.keyId}`,
      `  secret key ${secretFile} (keep it secret)`,
      `  public key ${publicFile}: ${publicKey}`,
      `Agents trust it with: install.sh --trusted-key ${publicKey}`,
    ].join('\n'));
    return 0;
  },
};
