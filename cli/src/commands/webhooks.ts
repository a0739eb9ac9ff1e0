/**
 * `deckhand webhooks create|list|delete|test|deliveries --application A --group G ...`.
 */
import { parseArgs } from 'node:util';
import { TRIGGER_EVENTS, type TriggerEvent } from '../../../protocol/src/webhooks.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, required } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { safe } from '../format/sanitize.ts';
import { renderTable } from '../format/table.ts';

const USAGE = `Usage: deckhand webhooks create --application A --group G --name N --endpoint URL [--events E,E]
       deckhand webhooks list --application A --group G
       deckhand webhooks delete --application A --group G --name N
       deckhand webhooks test --application A --group G --name N
       deckhand webhooks deliveries --application A --group G --name N

Webhooks POST CodeDeploy's trigger events of a deployment group as JSON, signed per Standard
Webhooks (webhook-id, webhook-timestamp, webhook-signature: HMAC-SHA256 over id.timestamp.body).
create prints the signing secret ONCE: keep it where the receiver verifies. A failed delivery is
tried again with exponential backoff for up to 24 hours; deliveries shows every attempt.

Options:
  --endpoint URL  where to POST (http:// or https://; --url names the coordinator)
  --events E,E   which of ${TRIGGER_EVENTS.join(', ')} (default: all)

${CONNECTION_HELP}`;

function parseEvents(text: string): TriggerEvent[] {
  return text.split(',').map((e) => {
    const event = e.trim();
    if (!(TRIGGER_EVENTS as readonly string[]).includes(event)) throw new UsageError(`--events: unknown event ${JSON.stringify(event)} (known: ${TRIGGER_EVENTS.join(', ')})`, USAGE);
    return event as TriggerEvent;
  });
}

export const webhooksCommand: Command = {
  name: 'webhooks',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: { ...CONNECTION_OPTIONS, application: { type: 'string' }, group: { type: 'string' }, name: { type: 'string' }, endpoint: { type: 'string' }, events: { type: 'string' } },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`, USAGE);
    if (!['create', 'list', 'delete', 'test', 'deliveries'].includes(sub ?? '')) {
      throw new UsageError(sub === undefined ? 'missing subcommand (create, list, delete, test or deliveries)' : `unknown subcommand ${sub}`, USAGE);
    }
    const hooks = connect(values, ctx).webhooks(required(values.application, '--application', USAGE), required(values.group, '--group', USAGE));
    if (sub === 'list') {
      const list = await hooks.list();
      const text = list.length === 0 ? 'no webhooks' : renderTable(['NAME', 'URL', 'EVENTS', 'CREATED'], list.map((w) => [w.name, w.url, w.events.join(','), w.createTime]));
      emit(ctx, values.json, { webhooks: list }, text);
      return 0;
    }
    const name = required(values.name, '--name', USAGE);
    if (sub === 'create') {
      const created = await hooks.create({ name, url: required(values.endpoint, '--endpoint', USAGE), ...(values.events === undefined ? {} : { events: parseEvents(values.events) }) });
      emit(ctx, values.json, created, safe`webhook ${created.name} created; its signing secret (shown only now):\n${created.secret}`);
      return 0;
    }
    if (sub === 'delete') {
      await hooks.remove(name);
      emit(ctx, values.json, { removed: name }, safe`deleted webhook ${name}`);
      return 0;
    }
    if (sub === 'test') {
      const sent = await hooks.test(name);
      emit(ctx, values.json, sent, safe`test message ${sent.deliveryId} queued (deckhand webhooks deliveries shows how it went)`);
      return 0;
    }
    const deliveries = await hooks.deliveries(name);
    const rows = deliveries.flatMap((d) => {
      const head = [d.deliveryId, d.event, d.deploymentId ?? '', d.status];
      if (d.attempts.length === 0) return [[...head, '', d.nextAttemptTime ? `next ${d.nextAttemptTime}` : '']];
      return d.attempts.map((a, i) => [...(i === 0 ? head : ['', '', '', '']), String(a.attempt), `${a.at} ${a.statusCode ?? ''}${a.error ?? ''} (${a.durationMs}ms)`]);
    });
    emit(ctx, values.json, { deliveries }, rows.length === 0 ? 'no deliveries' : renderTable(['DELIVERY', 'EVENT', 'DEPLOYMENT', 'STATUS', 'ATTEMPT', 'ANSWER'], rows));
    return 0;
  },
};
