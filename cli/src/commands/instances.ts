/**
 * `deckhand instances [--json]`, `deckhand instances tag ID k=v ...`,
 * `deckhand instances untag ID KEY ...`, `deckhand instances deregister ID [--force]`.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseKeyValues, parseOrUsage } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatInstances } from '../format/instances.ts';
import { safe } from '../format/sanitize.ts';

const USAGE = `Usage: deckhand instances [list] [--tag k=v ...] [--offline]
       deckhand instances tag INSTANCE_ID KEY=VALUE ...
       deckhand instances untag INSTANCE_ID KEY ...
       deckhand instances deregister INSTANCE_ID [--force]

Lists registered hosts: hostname, instance id, tags, connection, last seen, agent version, OS.
--tag k=v keeps hosts with that tag (--tag k: any value; repeat for all of them); --offline
keeps hosts whose agent is not connected. With --json prints {"instances": [...]}.
tag sets tags on a host (existing keys are overwritten); untag removes keys. A host that a
tag change brings into a group with a successful deployment gets that revision (unless the
group turned autoDeployNewInstances off).
deregister removes a host whose agent is gone (refused while it is connected: uninstall the
agent, which deregisters itself); its key stops working at once. --force deregisters a
connected host too and closes its connection (a host that will not stop, or is not trusted).

${CONNECTION_HELP}`;

export const instancesCommand: Command = {
  name: 'instances',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS, tag: { type: 'string', multiple: true }, offline: { type: 'boolean', default: false }, force: { type: 'boolean', default: false } } }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    const [sub, instanceId, ...items] = positionals;
    if (sub === undefined || sub === 'list') {
      if (instanceId !== undefined) throw new UsageError(`unexpected argument ${instanceId}`, USAGE);
      for (const tag of values.tag ?? []) if (tag === '' || tag.startsWith('=')) throw new UsageError(`--tag expects KEY=VALUE or KEY, got ${JSON.stringify(tag)}`, USAGE);
      const instances = await connect(values, ctx).listInstances({ ...(values.tag ? { tags: values.tag } : {}), offline: values.offline });
      emit(ctx, values.json, { instances }, formatInstances(instances, ctx.now()));
      return 0;
    }
    if (sub !== 'tag' && sub !== 'untag' && sub !== 'deregister') throw new UsageError(`unknown subcommand ${sub} (expected tag, untag or deregister)`, USAGE);
    if (values.force && sub !== 'deregister') throw new UsageError('--force is for deregister', USAGE);
    if (instanceId === undefined) throw new UsageError(`${sub} needs an INSTANCE_ID`, USAGE);
    if (sub === 'deregister') {
      if (items.length > 0) throw new UsageError(`unexpected argument ${items[0]}`, USAGE);
      await connect(values, ctx).deregisterInstance(instanceId, values.force);
      emit(ctx, values.json, { instanceId, deregistered: true }, safe`instance ${instanceId} deregistered`);
      return 0;
    }
    if (items.length === 0) throw new UsageError(sub === 'tag' ? 'tag needs at least one KEY=VALUE' : 'untag needs at least one KEY', USAGE);
    const client = connect(values, ctx);
    const view =
      sub === 'tag' ? await client.tagInstance(instanceId, parseKeyValues(items, 'tag', USAGE)) : await client.untagInstance(instanceId, items);
    emit(ctx, values.json, view, formatInstances([view], ctx.now()));
    return 0;
  },
};
