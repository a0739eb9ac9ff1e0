/**
 * The benchmark revision: a bundle of small files whose scriptable lifecycle hooks each run
 * `true`, and the application and deployment group it is deployed to.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packDirectory } from '../../cli/src/pack.ts';
import type { DeploymentGroupView, RevisionView, TagFilter } from '../../protocol/src/index.ts';
import type { Coordinator } from './coordinator.ts';

/**
 * The events an appspec may give scripts for (DownloadBundle and Install are the agent's own,
 * as in CodeDeploy). With DownloadBundle and Install that makes the seven in-place events.
 */
export const SCRIPTED_EVENTS = ['ApplicationStop', 'BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'] as const;

/** Writes a revision folder: `fileCount` small files under app/ and one no-op hook per scripted event. */
export function writeNoopRevision(dir: string, fileCount: number): void {
  mkdirSync(path.join(dir, 'app'), { recursive: true });
  mkdirSync(path.join(dir, 'hooks'), { recursive: true });
  for (let i = 0; i < fileCount; i++) {
    writeFileSync(path.join(dir, 'app', `file-${String(i).padStart(3, '0')}.txt`), `benchmark file ${i}\n`.repeat(8));
  }
  writeFileSync(path.join(dir, 'hooks', 'noop.sh'), '#!/bin/bash\ntrue\n', { mode: 0o755 });
  const hooks = SCRIPTED_EVENTS.map((e) => `  ${e}:\n    - location: hooks/noop.sh\n      timeout: 60`).join('\n');
  const appspec = `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/bench-app\nhooks:\n${hooks}\n`;
  writeFileSync(path.join(dir, 'appspec.yml'), appspec);
}

/** Packs a revision folder into tgz bytes, as `deckhand push` does. */
export async function packRevision(dir: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await packDirectory(dir)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** What {@link setUpDeploymentTarget} creates. */
export interface DeploymentTarget {
  application: string;
  group: string;
  revisionId: string;
}

/** Creates an application, a deployment group selecting `tagFilters`, and uploads `bundle` as its revision. */
export async function setUpDeploymentTarget(
  coordinator: Coordinator,
  bundle: Buffer,
  tagFilters: TagFilter[],
): Promise<DeploymentTarget> {
  const application = 'bench-app';
  const group = 'bench-group';
  await coordinator.call('POST', '/v1/applications', { name: application });
  await coordinator.call<DeploymentGroupView>('POST', `/v1/applications/${application}/deployment-groups`, {
    name: group,
    tagFilters,
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
  });
  const revision = await coordinator.call<RevisionView>('POST', `/v1/applications/${application}/revisions?bundleType=tgz`, bundle);
  return { application, group, revisionId: revision.revisionId };
}
