/**
 * `deckhand push DIR --application A [--description D]`: pack a revision folder and upload it.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, required } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { writeLine } from '../context.ts';
import { UsageError } from '../errors.ts';
import { pushRevision, type PushOptions } from '../pack.ts';

const USAGE = `Usage: deckhand push DIR --application A [--description D]

Packs DIR (which must hold appspec.yml or appspec.yaml at its root) as a tar.gz, uploads it
as a new revision of application A (created if missing) and prints the revision id.

Options:
  --application A   application name (required)
  --description D   free text stored with the revision

${CONNECTION_HELP}`;

export const pushCommand: Command = {
  name: 'push',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: { ...CONNECTION_OPTIONS, application: { type: 'string' }, description: { type: 'string' } },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    if (positionals.length !== 1) throw new UsageError('push takes exactly one DIR', USAGE);
    const dir = positionals[0] as string;
    const opts: PushOptions = { application: required(values.application, '--application', USAGE) };
    if (values.description !== undefined) opts.description = values.description;
    const client = connect(values, ctx);
    const revision = await pushRevision(client, dir, opts);
    if (!values.json) {
      writeLine(ctx.stderr, `pushed ${dir} as ${revision.revisionId} (${revision.size} bytes, sha256 ${revision.sha256})`);
    }
    emit(ctx, values.json, revision, revision.revisionId);
    return 0;
  },
};
