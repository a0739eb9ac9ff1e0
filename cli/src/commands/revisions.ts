/**
 * `deckhand revisions list --application A`, `revisions show ID`, `revisions delete ID`.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, required } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatRevision, formatRevisionList } from '../format/fleet.ts';
import { safe } from '../format/sanitize.ts';

const USAGE = `Usage: deckhand revisions list --application A
       deckhand revisions show REVISION_ID
       deckhand revisions delete REVISION_ID

list shows an application's revisions, oldest first; show one revision; delete removes its
bundle. A revision being deployed, or the last successful one of a deployment group (its
rollback target), is refused. Deployments of a deleted revision keep their history.

${CONNECTION_HELP}`;

export const revisionsCommand: Command = {
  name: 'revisions',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS, application: { type: 'string' } } }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, id, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
    const client = connect(values, ctx);
    if (sub === 'list') {
      if (id !== undefined) throw new UsageError(`unexpected argument ${id}`, USAGE);
      const revisions = await client.listRevisions(required(values.application, '--application', USAGE));
      emit(ctx, values.json, { revisions }, formatRevisionList(revisions));
      return 0;
    }
    if (sub !== 'show' && sub !== 'delete') throw new UsageError(sub === undefined ? 'missing subcommand (list, show or delete)' : `unknown subcommand ${sub}`, USAGE);
    if (id === undefined) throw new UsageError(`${sub} needs a REVISION_ID`, USAGE);
    if (sub === 'show') {
      const revision = await client.getRevision(id);
      emit(ctx, values.json, revision, formatRevision(revision));
      return 0;
    }
    const removed = await client.deleteRevision(id);
    emit(ctx, values.json, removed, safe`deleted revision ${id}${removed.bundles ? '' : ' (its bundle is shared with another revision and stays)'}`);
    return 0;
  },
};
