/**
 * `deckhand rollback --application A --group G [--queue] [--description D]`.
 */
import { parseArgs } from 'node:util';
import type { RollbackRequest } from '../../../protocol/src/orchestration.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, required } from '../args.ts';
import { ALARM_OPTIONS, alarmConfiguration } from '../alarm-flags.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { writeJson, writeLine } from '../context.ts';
import { UsageError } from '../errors.ts';
import { sanitize } from '../format/sanitize.ts';
import { followUntilInterrupted } from '../watch/follow.ts';
import { waitOptions } from './deploy.ts';

const USAGE = `Usage: deckhand rollback --application A --group G [--queue] [--wait [--quiet]]

Deploys group G's last successful revision again, as a new deployment (creator "rollback")
to all instances of the group, and prints its id. Fails with CONFLICT when the group never
succeeded, or when it is busy (unless --queue).

Options:
  --application A   application name (required)
  --group G         deployment group name (required)
  --queue           wait behind the group's active deployment instead of failing
  --description D   free text stored with the deployment
  --no-alarms       poll none of the group's alarms (CodeDeploy's overrideAlarmConfiguration): the
                    rollback proceeds while the alarm that stopped the bad deployment still fires
  --alarm NAME      poll these alarms instead of the group's; repeatable
  --wait            follow the rollback to its end, printing running hooks' output; exits 0
                    only when it Succeeded
  --quiet           with --wait: no hook output
  --wait-timeout D  with --wait: how long to keep trying while the coordinator cannot be reached (default 10m)

${CONNECTION_HELP}`;

export const rollbackCommand: Command = {
  name: 'rollback',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(USAGE, () =>
      parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          application: { type: 'string' },
          group: { type: 'string' },
          queue: { type: 'boolean', default: false },
          description: { type: 'string' },
          ...ALARM_OPTIONS,
          wait: { type: 'boolean', default: false },
          quiet: { type: 'boolean', default: false },
          'wait-timeout': { type: 'string' },
        },
      }),
    );
    if (values.help) return showHelp(ctx, USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, USAGE);
    const application = required(values.application, '--application', USAGE);
    const group = required(values.group, '--group', USAGE);
    const req: RollbackRequest = { queue: values.queue };
    if (values.description !== undefined) req.description = values.description;
    const alarms = alarmConfiguration(values, USAGE);
    if (alarms) req.overrideAlarmConfiguration = alarms;
    const follow = waitOptions(values, USAGE);
    const client = connect(values, ctx);
    const summary = await client.rollbackGroup(application, group, req);
    if (!values.wait) {
      emit(ctx, values.json, summary, sanitize(summary.deploymentId));
      return 0;
    }
    if (!values.json) writeLine(ctx.stdout, sanitize(summary.deploymentId));
    const final = await followUntilInterrupted(client, summary.deploymentId, ctx, follow);
    if (values.json) writeJson(ctx.stdout, final);
    return final.status === 'Succeeded' ? 0 : 1;
  },
};
