/**
 * `deckhand push DIR --application A [--description D]`: pack a revision folder and upload it.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, required } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { writeLine } from '../context.ts';
import { UsageError } from '../errors.ts';
import { safe, sanitize } from '../format/sanitize.ts';
import { pushRevision, type PushOptions } from '../pack.ts';
import { defaultCounter, loadSigningKey } from '../sign-revision.ts';

const USAGE = `Usage: deckhand push DIR --application A [--description D] [--sign KEYFILE [--counter N]]

Packs DIR (which must hold appspec.yml or appspec.yaml at its root) as a tar.gz, uploads it
as a new revision of application A (created if missing) and prints the revision id.

Options:
  --application A   application name (required)
  --description D   free text stored with the revision
  --sign KEYFILE    sign the revision (its sha256 as packed here, the application and the
                    counter) with a secret key from deckhand keys generate; agents given the
                    public key (install.sh --trusted-key) install only revisions signed so
  --counter N       the signature's counter (default: the time in seconds); agents refuse a
                    counter below the highest they installed for the application, so a
                    deliberate rollback is pushed and signed anew

${CONNECTION_HELP}`;

function parseCounter(text: string): number {
  const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`--counter expects a whole number, got ${JSON.stringify(text)}`, USAGE);
  return n;
}

export const pushCommand: Command = {
  name: 'push',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: { ...CONNECTION_OPTIONS, application: { type: 'string' }, description: { type: 'string' }, sign: { type: 'string' }, counter: { type: 'string' } },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    if (positionals.length !== 1) throw new UsageError('push takes exactly one DIR', USAGE);
    const dir = positionals[0] as string;
    const opts: PushOptions = { application: required(values.application, '--application', USAGE) };
    if (values.description !== undefined) opts.description = values.description;
    if (values.counter !== undefined && values.sign === undefined) throw new UsageError('--counter needs --sign', USAGE);
    if (values.sign !== undefined) {
      // Read the key before packing or uploading anything: a bad key changes nothing.
      const counter = values.counter === undefined ? defaultCounter(ctx.now()) : parseCounter(values.counter);
      opts.sign = { key: await loadSigningKey(values.sign), counter };
    }
    const client = connect(values, ctx);
    const revision = await pushRevision(client, dir, opts);
    if (!values.json) {
      writeLine(ctx.stderr, safe`pushed ${dir} as ${revision.revisionId} (${revision.size} bytes, sha256 ${revision.sha256})`);
      if (revision.signature) writeLine(ctx.stderr, safe`signed by key ${revision.signature.keyId}, counter ${revision.signature.counter}`);
    }
    emit(ctx, values.json, revision, sanitize(revision.revisionId));
    return 0;
  },
};
