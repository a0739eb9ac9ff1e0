/**
 * `deckhand pause ID`, `deckhand resume ID` and `deckhand approve ID`: the operator controls
 * of a running deployment.
 */
import { parseArgs } from 'node:util';
import type { RolloutActionResponse } from '../../../protocol/src/rollout.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage } from '../args.ts';
import { connect, emit, showHelp, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatRollout } from '../format/rollout.ts';

type Action = 'pause' | 'resume' | 'approve';

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
      emit(ctx, values.json, result, `${result.deploymentId}: ${formatRollout(result.rollout)}`);
      return 0;
    },
  };
}

export const pauseCommand = rolloutCommand('pause');
export const resumeCommand = rolloutCommand('resume');
export const approveCommand = rolloutCommand('approve');
