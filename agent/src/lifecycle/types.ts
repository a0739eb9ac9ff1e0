/** What the lifecycle needs from the rest of the agent, as interfaces (main.ts wires the real ones). */
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { AgentBodies, BundleType } from '../../../protocol/src/index.ts';
import type { AppSpec, AppSpecOs } from '../appspec/types.ts';
import type { InstallRevisionOptions } from '../install/install.ts';
import type { HookEnvInput } from '../hooks/env.ts';
import type { HookRunner } from '../hooks/types.ts';
import type { Journal } from '../journal/journal.ts';

/** The revision handling the lifecycle drives (agent/src/bundle, appspec, install). */
export interface RevisionOps {
  download(
    url: string,
    dest: string,
    opts: { headers?: Record<string, string>; signal?: AbortSignal; expectedSha256?: string },
  ): Promise<{ bytes: number; sha256: string }>;
  extract(opts: { file: string; type: BundleType; dest: string }): Promise<unknown>;
  loadAppSpec(archiveDir: string, os: AppSpecOs): Promise<AppSpec>;
  install(opts: InstallRevisionOptions): Promise<{ installed: string[] }>;
}

/** Best-effort live output to the coordinator. */
export interface LogReporter {
  sendLog(body: AgentBodies['agent.log']): void;
}

export interface LifecycleDeps {
  clock: Clock;
  logger: Logger;
  journal: Journal;
  hooks: HookRunner;
  revision: RevisionOps;
  buildEnv: (input: HookEnvInput) => Record<string, string>;
  /** Signed headers for a request to the coordinator (bundle download). */
  sign: (method: string, path: string) => Record<string, string>;
  instanceId: string;
  coordinatorUrl: string;
  /** The agent root (`--root`). */
  root: string;
  /** Install every absolute destination under this directory (`--dest-root`). */
  destRoot?: string;
  /** Which appspec `os` this host runs. */
  os: AppSpecOs;
  /** The environment hooks inherit. @default process.env */
  baseEnv?: NodeJS.ProcessEnv;
  reporter?: LogReporter;
}
