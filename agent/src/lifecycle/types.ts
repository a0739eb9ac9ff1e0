/** What the lifecycle needs from the rest of the agent, as interfaces (main.ts wires the real ones). */
import type { CoordinatorAccess } from '../bundle/sources.ts';
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type { DeckhandError } from '../../../protocol/src/errors.ts';
import type { DeploySpec } from '../../../protocol/src/schemas.ts';
import type { AppSpec, AppSpecOs } from '../appspec/types.ts';
import type { InstallRevisionOptions } from '../install/install.ts';
import type { HookEnvInput } from '../hooks/env.ts';
import type { HookRunner } from '../hooks/types.ts';
import type { Journal } from '../journal/journal.ts';
import type { EventOutcome } from '../journal/types.ts';

/** The revision handling the lifecycle drives (agent/src/bundle, appspec, install, maintenance). */
export interface RevisionOps {
  /** Gets the revision from wherever its location says into `archiveDir`, verified (bundle/sources.ts). */
  fetch(input: FetchRevisionInput): Promise<unknown>;
  /** Retention, run at the start of DownloadBundle as CodeDeploy does (maintenance/retention.ts). */
  prune?(input: { groupDir: string; currentDir: string; lastSuccessfulDir?: string }): Promise<unknown>;
  loadAppSpec(archiveDir: string, os: AppSpecOs): Promise<AppSpec>;
  install(opts: InstallRevisionOptions): Promise<{ installed: string[] }>;
  /** Told when a revision was installed (Install succeeded): keeps its signed counter (anti-rollback). */
  onInstalled?(application: string, revision: DeploySpec['revision']): void;
}


/** How a hook's reboot request is carried out. */
export interface RebootDeps {
  /** The shell command that reboots the host (`--reboot-command`); undefined: reboots are disabled. */
  command?: string;
  /** This boot's id, to tell a reboot happened. @default currentBootId() (lifecycle/reboot.ts) */
  bootId?: () => string;
}

/**
 * Told as hooks write output, so the coordinator's copy follows live (logs/shipping.ts reads it
 * back from scripts.log). Must not throw or block: it runs on the hook's output path.
 */
export interface LogReporter {
  outputWritten(deploymentId: string): void;
}

/** What the lifecycle needs; main.ts (run) and commands/local.ts (local) wire the real parts. */
export interface LifecycleDeps {
  clock: Clock;
  logger: Logger;
  journal: Journal;
  /** Told when a deployment stops because the journal cannot be written for a full disk. */
  unrunnable?: (ids: { commandId: string; deploymentId: string }, err: DeckhandError) => void;
  hooks: HookRunner;
  revision: RevisionOps;
  buildEnv: (input: HookEnvInput) => Record<string, string>;
  /** The environment hooks inherit. @default process.env */
  baseEnv?: NodeJS.ProcessEnv;
  coordinator: CoordinatorAccess;
  instanceId: string;
  /** The agent root (`--root`). */
  root: string;
  /** Install every absolute destination under this directory (`--dest-root`). */
  destRoot?: string;
  /** Which appspec `os` this host runs. */
  os: AppSpecOs;
  reporter?: LogReporter;
  /**
   * The events to run, in this order (a local run: codedeploy-local's default order, or its
   * --events). Install then refuses an appspec whose hooks name an event neither in this list nor
   * in the default order, as codedeploy-local does.
   * @default AGENT_EVENT_ORDER, and events an appspec names but no deployment runs are ignored
   * (as with the CodeDeploy service)
   */
  eventOrder?: readonly string[];
  /** Told when each event starts and ends (local runs print them). */
  observer?: LifecycleObserver;
  /** @default reboots disabled, the boot id read from Linux's boot_id */
  reboot?: RebootDeps;
}

/** What a revision source needs from the lifecycle. */
export interface FetchRevisionInput {
  /** The application the revision is for (its signature names it). */
  application: string;
  revision: DeploySpec['revision'];
  bundleFile: string;
  archiveDir: string;
  signal: AbortSignal;
  coordinator: CoordinatorAccess;
  /** Told before each retry. */
  onRetry?: (attempt: number, err: Error, delayMs: number) => void;
}

/** Watches a deployment's events as they run. */
export interface LifecycleObserver {
  eventStarted(event: string): void;
  eventFinished(event: string, outcome: EventOutcome): void;
}

export type { CoordinatorAccess };
