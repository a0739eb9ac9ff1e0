/** What the lifecycle needs from the rest of the agent, as interfaces (main.ts wires the real ones). */
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { AgentBodies, BundleType, DeploySpec } from '../../../protocol/src/index.ts';
import type { AppSpec, AppSpecOs } from '../appspec/types.ts';
import type { InstallRevisionOptions } from '../install/install.ts';
import type { HookEnvInput } from '../hooks/env.ts';
import type { HookRunner } from '../hooks/types.ts';
import type { Journal } from '../journal/journal.ts';
import type { EventOutcome } from '../journal/types.ts';

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
  /**
   * Gets the revision from wherever its location says into `archiveDir` (agent/src/bundle/sources.ts).
   * @default the coordinator download through `revision.download` and `revision.extract`
   */
  fetchRevision?: (input: FetchRevisionInput) => Promise<unknown>;
  /** Retention, run at the start of DownloadBundle as CodeDeploy does (agent/src/maintenance). */
  pruneDeployments?: (input: { groupDir: string; currentDir: string; lastSuccessfulDir?: string }) => Promise<unknown>;
  /** Only these events run; the others are Skipped (local runs' --events). @default all */
  events?: ReadonlySet<string>;
  /** Told when each event starts and ends (local runs print them). */
  observer?: LifecycleObserver;
  /** The shell command that reboots the host (`--reboot-command`); undefined: reboots are disabled. */
  rebootCommand?: string;
  /** This boot's id, to tell a reboot happened. @default currentBootId() (lifecycle/reboot.ts) */
  bootId?: () => string;
  /** How remote bundle downloads give up and retry. @default 60 s stall, retries after 2, 8, 30 s */
  download?: Pick<FetchRevisionInput, 'stallMs' | 'retryDelaysMs'>;
}

/** What a revision source needs from the lifecycle. */
export interface FetchRevisionInput {
  revision: DeploySpec['revision'];
  bundleFile: string;
  archiveDir: string;
  signal: AbortSignal;
  coordinator: { url: string; sign: (method: string, path: string) => Record<string, string> };
  /** A download that receives nothing for this long fails (retryable). */
  stallMs?: number;
  /** Pauses between attempts of a download that failed transiently. */
  retryDelaysMs?: readonly number[];
  /** Told before each retry. */
  onRetry?: (attempt: number, err: Error, delayMs: number) => void;
}

/** Watches a deployment's events as they run. */
export interface LifecycleObserver {
  eventStarted(event: string): void;
  eventFinished(event: string, outcome: EventOutcome): void;
}
