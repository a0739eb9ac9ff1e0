/**
 * `deckhand audit [--since 1h] [--actor NAME] [--json]` reads the audit log;
 * `deckhand audit verify` checks its hash chain and exits 1 naming the first broken record.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseDurationSeconds, parseOrUsage, parsePositiveInt } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatAudit, formatVerification } from '../format/audit.ts';

const USAGE = `Usage: deckhand audit [--since 1h] [--actor NAME] [--limit N]
       deckhand audit verify

Shows who did what: every state-changing API call (by token name) and every host registration
and deregistration (by instance), oldest first, with its outcome. verify checks the log's hash
chain from its first record and exits 1 naming the first record deleted or edited.

Options:
  --since D       only records of the last D: 30m, 12h, 7d
  --actor NAME    only records of this token name or instance:<id>
  --limit N       at most N records (default 1000)

${CONNECTION_HELP}`;

export const auditCommand: Command = {
  name: 'audit',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: { ...CONNECTION_OPTIONS, since: { type: 'string' }, actor: { type: 'string' }, limit: { type: 'string' } },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, ...rest] = positionals;
    if (rest.length > 0 || (sub !== undefined && sub !== 'verify')) throw new UsageError(`unexpected argument ${sub === 'verify' ? rest[0] : sub}`, USAGE);
    const client = connect(values, ctx);
    if (sub === 'verify') {
      const verdict = await client.verifyAudit();
      emit(ctx, values.json, verdict, formatVerification(verdict));
      return verdict.ok ? 0 : 1;
    }
    const query: { since?: string; actor?: string; limit?: number } = {};
    if (values.since !== undefined) query.since = new Date(ctx.now().getTime() - parseDurationSeconds(values.since, '--since', USAGE) * 1000).toISOString();
    if (values.actor !== undefined) query.actor = values.actor;
    if (values.limit !== undefined) query.limit = parsePositiveInt(values.limit, '--limit', USAGE);
    const records = await client.listAudit(query);
    emit(ctx, values.json, { records }, formatAudit(records));
    return 0;
  },
};
