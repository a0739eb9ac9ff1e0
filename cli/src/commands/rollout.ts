/**
 * `deckhand pause ID`, `deckhand resume ID` and `deckhand approve ID`: the operator controls
 * of a running deployment.
 */
import { parseArgs } from 'node:util';
import type { RolloutActionResponse } from '../../../protocol/src/rollout.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseDurationSeconds, parseOrUsage, parsePositiveInt } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { sanitize } from '../format/sanitize.ts';
import { formatRollout } from '../format/rollout.ts';

type Action = 'pause' | 'resume' | 'approve' | 'promote';

const HELP: Record<Action, { text: string }> = {
  pause: {
    text: 'Pauses a running deployment: hosts already running finish, no new host starts. It stays\nInProgress; status shows "paused". Pausing a paused deployment changes nothing.',
  },
  resume: {
    text: 'Resumes a paused deployment: it starts the hosts its rules allow at once.',
  },
  approve: {
    text: 'Opens the approval gate of a deployment created with requireApproval, once its first\nbatch is done. Fails with CONFLICT when the deployment is not waiting for approval.',
  },
  promote: {
    text: 'Starts the next step of a running deployment now: ends its bake and its analysis (a\ndeployment its analysis paused is resumed). The approval gate stays: approve opens it.',
  },
};

function rolloutCommand(action: Action): Command {
  const usage = `Usage: deckhand ${action} DEPLOYMENT_ID\n\n${HELP[action].text}\n\n${CONNECTION_HELP}`;
  return {
    name: action,
    usage,
    async run(argv, ctx) {
      const { values, positionals } = parseOrUsage(usage, () => parseArgs({ args: argv, allowPositionals: true, options: CONNECTION_OPTIONS }));
      if (values.help) return showHelp(ctx, usage);
      if (positionals.length !== 1) throw new UsageError(`${action} takes exactly one DEPLOYMENT_ID`, usage);
      const result: RolloutActionResponse = await connect(values, ctx).rolloutAction(positionals[0] as string, action);
      emit(ctx, values.json, result, `${sanitize(result.deploymentId)}: ${formatRollout(result.rollout)}`);
      return 0;
    },
  };
}

export const pauseCommand = rolloutCommand('pause');
export const resumeCommand = rolloutCommand('resume');
export const approveCommand = rolloutCommand('approve');
export const promoteCommand = rolloutCommand('promote');

const CHANGE_USAGE = `Usage: deckhand rollout DEPLOYMENT_ID [--batch-size N] [--bake D]

Changes a running deployment (recorded in the audit log): --batch-size takes the hosts not
started yet in batches of N (a segment rollout cannot be resized); --bake sets the wait between
the remaining steps (a bake running now keeps its start and takes the new length).

${CONNECTION_HELP}`;

export const changeRolloutCommand: Command = {
  name: 'rollout',
  usage: CHANGE_USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseOrUsage(CHANGE_USAGE, () =>
      parseArgs({ args: argv, allowPositionals: true, options: { ...CONNECTION_OPTIONS, 'batch-size': { type: 'string' }, bake: { type: 'string' } } }),
    );
    if (values.help) return showHelp(ctx, CHANGE_USAGE);
    if (positionals.length !== 1) throw new UsageError('rollout takes exactly one DEPLOYMENT_ID', CHANGE_USAGE);
    const batch = values['batch-size'];
    if (batch === undefined && values.bake === undefined) throw new UsageError('give --batch-size or --bake', CHANGE_USAGE);
    const req = {
      ...(batch === undefined ? {} : { batchSize: parsePositiveInt(batch, '--batch-size', CHANGE_USAGE) }),
      ...(values.bake === undefined ? {} : { bakeSeconds: values.bake === '0' ? 0 : parseDurationSeconds(values.bake, '--bake', CHANGE_USAGE) }),
    };
    const result = await connect(values, ctx).changeRollout(positionals[0] as string, req);
    emit(ctx, values.json, result, `${sanitize(result.deploymentId)}: ${formatRollout(result.rollout)}`);
    return 0;
  },
};
