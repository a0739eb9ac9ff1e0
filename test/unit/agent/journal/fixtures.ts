/** Shared builders for agent tests: temp dirs and deploy commands. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandBody } from '../../../../protocol/src/index.ts';

/** A fresh temp directory; remove it with {@link removeDir}. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dh-'));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A deploy command for group `dg-GROUP01` of deployment `deploymentId`. */
export function deployCommand(commandId: string, deploymentId: string, overrides: Partial<CommandBody['deploy']> = {}): CommandBody {
  return {
    commandId,
    deploymentId,
    epoch: 0,
    kind: 'deploy',
    deploy: {
      deploymentId,
      applicationName: 'web',
      deploymentGroupName: 'prod',
      deploymentGroupId: 'dg-GROUP01',
      revision: {
        revisionId: 'rev-REV0001',
        sha256: 'a'.repeat(64),
        bundleType: 'tgz',
        size: 10,
        location: { kind: 'coordinator', path: '/v1/revisions/rev-REV0001/content' },
      },
      fileExistsBehavior: 'DISALLOW',
      ignoreApplicationStopFailures: false,
      parameters: {},
      ...overrides,
    },
  };
}
