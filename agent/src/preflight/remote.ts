/**
 * `coord.preflight`: the coordinator asks this host to check a revision before a deployment.
 * The revision is fetched into a scratch dir under the agent's root, checked, and removed;
 * the answer is best effort (not journaled): a lost one is "no answer" to the coordinator.
 */
import path from 'node:path';
import type { Logger } from '../../../common/src/logger.ts';
import type { PreflightRequestBody, PreflightResultBody } from '../../../protocol/src/messages.ts';
import { PREFLIGHT_LIMITS } from '../../../protocol/src/wire.ts';
import type { AppSpecLoadOptions } from '../appspec/load.ts';
import type { FetchRevisionOptions } from '../bundle/sources.ts';
import { runPreflightChecks } from './checks.ts';

/** The protocol's bounds on an answer; longer lists are cut with a note. */
const { problems: MAX_PROBLEMS, problemChars: MAX_PROBLEM_CHARS } = PREFLIGHT_LIMITS;

/** Dependencies of {@link RemotePreflight}. */
export interface RemotePreflightDeps {
  logger: Logger;
  root: string;
  destRoot: string | undefined;
  coordinator: NonNullable<FetchRevisionOptions['coordinator']>;
  /** How appspecs are read (the agent's yamlOctalModes). */
  appSpec?: AppSpecLoadOptions;
  /** Sends agent.preflight.result; false when disconnected (the answer is then lost). */
  reply: (body: PreflightResultBody) => boolean;
}

/** Answers the coordinator's preflight requests. */
export class RemotePreflight {
  private readonly log: Logger;

  constructor(private readonly deps: RemotePreflightDeps) {
    this.log = deps.logger.child({ component: 'preflight' });
  }

  /** Checks in the background and replies; never throws. */
  onPreflight(body: PreflightRequestBody): void {
    void this.check(body).then(
      (result) => this.send(result),
      (err: unknown) => this.send({ requestId: body.requestId, ok: false, problems: [`preflight: ${(err as Error).message}`] }),
    );
  }

  private async check(body: PreflightRequestBody): Promise<PreflightResultBody> {
    const { deploy } = body;
    const report = await runPreflightChecks({
      revision: async () => deploy.revision,
      label: `revision ${deploy.revision.revisionId}`,
      scratchParent: path.join(this.deps.root, 'preflight'),
      instructionsDir: path.join(this.deps.root, 'deployment-instructions'),
      deploymentGroupId: deploy.deploymentGroupId,
      destRoot: this.deps.destRoot,
      fileExistsBehavior: deploy.fileExistsBehavior,
      coordinator: this.deps.coordinator,
      ...(this.deps.appSpec === undefined ? {} : { appSpec: this.deps.appSpec }),
    });
    return { requestId: body.requestId, ok: report.ok, problems: bounded(report.problems) };
  }

  private send(result: PreflightResultBody): void {
    const sent = this.deps.reply(result);
    this.log.info('preflight answered', { requestId: result.requestId, ok: result.ok, problems: result.problems.length, sent });
  }
}

function bounded(problems: string[]): string[] {
  const cut = problems.map((p) => (p.length > MAX_PROBLEM_CHARS ? `${p.slice(0, MAX_PROBLEM_CHARS - 1)}…` : p));
  if (cut.length <= MAX_PROBLEMS) return cut;
  return [...cut.slice(0, MAX_PROBLEMS - 1), `and ${cut.length - MAX_PROBLEMS + 1} more problems`];
}
