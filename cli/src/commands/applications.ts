/**
 * `deckhand applications create NAME`, `applications list`, `applications delete NAME`.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { safe, sanitize } from '../format/sanitize.ts';
import { renderTable } from '../format/table.ts';

const USAGE = `Usage: deckhand applications create NAME
       deckhand applications list
       deckhand applications delete NAME

create makes an application and prints its id; list shows them all; delete removes one with
its revisions (refused while it still has deployment groups: delete those first).

${CONNECTION_HELP}`;

export const applicationsCommand: Command = {
  name: 'applications',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS } }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, name, ...rest] = positionals;
    if (sub === 'list') {
      if (name !== undefined) throw new UsageError(`unexpected argument ${name}`, USAGE);
      const applications = await connect(values, ctx).listApplications();
      const text = applications.length === 0 ? 'no applications' : renderTable(['APPLICATION', 'ID', 'CREATED'], applications.map((a) => [a.name, a.applicationId, a.createTime]));
      emit(ctx, values.json, { applications }, text);
      return 0;
    }
    if (sub !== 'create' && sub !== 'delete') throw new UsageError(sub === undefined ? 'missing subcommand (create, list or delete)' : `unknown subcommand ${sub}`, USAGE);
    if (name === undefined || rest.length > 0) throw new UsageError(`applications ${sub} takes exactly one NAME`, USAGE);
    const client = connect(values, ctx);
    if (sub === 'delete') {
      const removed = await client.deleteApplication(name);
      emit(ctx, values.json, removed, safe`deleted application ${name} (${removed.removed}); ${String(removed.bundles ?? 0)} bundle(s) freed`);
      return 0;
    }
    const app = await client.createApplication(name);
    emit(ctx, values.json, app, sanitize(app.applicationId));
    return 0;
  },
};
