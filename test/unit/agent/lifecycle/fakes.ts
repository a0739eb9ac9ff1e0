/** In-test implementations of the lifecycle's dependencies (hooks, revision modules, reporter). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../../../../common/src/clock.ts';
import { silentLogger } from '../../../../common/src/logger.ts';
import { DeckhandError, TRAFFIC_HOOK_EVENTS } from '../../../../protocol/src/index.ts';
import type { AppSpec } from '../../../../agent/src/appspec/types.ts';
import type { HookEventRequest, HookEventResult, HookRunner } from '../../../../agent/src/hooks/types.ts';
import type { Journal } from '../../../../agent/src/journal/journal.ts';
import type { FetchRevisionInput, LifecycleDeps, RevisionOps } from '../../../../agent/src/lifecycle/types.ts';

const SCRIPTED = [...TRAFFIC_HOOK_EVENTS, 'ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'];

/** An appspec with one script per scriptable event. */
export function appSpecWithAllHooks(): AppSpec {
  const hooks: AppSpec['hooks'] = {};
  for (const event of SCRIPTED) hooks[event] = [{ location: `scripts/${event}.sh`, timeoutSeconds: 60 }];
  return { version: '0.0', os: 'linux', files: [], permissions: [], hooks };
}

/** Records every event it is asked to run; fails the events listed in `failures`. */
export class FakeHooks implements HookRunner {
  readonly calls: HookEventRequest[] = [];
  readonly failures = new Map<string, string>();
  /** Warnings an event's (successful) run returns, by event. */
  readonly warnings = new Map<string, string[]>();

  async runEvent(req: HookEventRequest): Promise<HookEventResult> {
    this.calls.push(req);
    req.onLine?.({ at: new Date(), stream: 'stdout', text: `running ${req.event}` });
    req.onOutput?.();
    const script = req.scripts[0]?.location ?? '';
    const failure = this.failures.get(req.event);
    if (failure !== undefined) {
      return { status: 'Failed', errorCode: 'ScriptFailed', message: failure, scriptName: script, logTail: 'last lines', warnings: [] };
    }
    return { status: 'Succeeded', errorCode: 'Success', message: 'Succeeded', logTail: '', warnings: this.warnings.get(req.event) ?? [] };
  }
}

/** Revision modules on the real filesystem, with switchable failures. */
export class FakeRevision implements RevisionOps {
  readonly fetches: FetchRevisionInput[] = [];
  downloadError: DeckhandError | undefined;
  appSpecMissing = false;
  readonly installed: string[] = [];

  async fetch(input: FetchRevisionInput): Promise<unknown> {
    this.fetches.push(input);
    if (this.downloadError) throw this.downloadError;
    await fs.mkdir(input.archiveDir, { recursive: true });
    await fs.writeFile(path.join(input.archiveDir, 'appspec.yml'), 'version: 0.0\nos: linux\n');
    return {};
  }

  async loadAppSpec(archiveDir: string): Promise<AppSpec> {
    if (this.appSpecMissing) {
      throw new DeckhandError('APPSPEC_MISSING', 'no appspec.yml or appspec.yaml at the root of the revision');
    }
    await fs.access(path.join(archiveDir, 'appspec.yml'));
    return appSpecWithAllHooks();
  }

  async install(opts: { archiveDir: string }): Promise<{ installed: string[] }> {
    this.installed.push(opts.archiveDir);
    return { installed: ['/opt/app/a'] };
  }
}

/** Lifecycle deps around a real journal and the fakes above. */
export function lifecycleDeps(journal: Journal, root: string, hooks: FakeHooks, revision: FakeRevision, written: string[] = []): LifecycleDeps {
  return {
    clock: systemClock,
    logger: silentLogger(),
    journal,
    hooks,
    revision,
    buildEnv: (input) => ({ LIFECYCLE_EVENT: input.event, DEPLOYMENT_ID: input.deploymentId, DECKHAND_ARCHIVE_DIR: input.archiveDir }),
    coordinator: { url: 'http://coord.test:8420/', sign: (method, p) => ({ 'x-deckhand-signature': `${method} ${p}` }) },
    instanceId: 'i-INST0001',
    root,
    os: 'linux',
    baseEnv: {},
    reporter: { outputWritten: (deploymentId) => written.push(deploymentId) },
  };
}
