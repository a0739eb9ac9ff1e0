/**
 * The concrete revision handling the lifecycle drives, shared by `run` and `local`: the appspec
 * loader, the bundle sources, the installer and retention at DownloadBundle.
 */
import { loadAppSpec } from '../appspec/load.ts';
import { downloadToFile } from '../bundle/download.ts';
import { extractBundle } from '../bundle/extract.ts';
import { fetchRevision } from '../bundle/sources.ts';
import { installRevision } from '../install/install.ts';
import type { LifecycleDeps, RevisionOps } from '../lifecycle/types.ts';
import { pruneGroup } from '../maintenance/retention.ts';

/** The real revision modules. */
export const revisionOps: RevisionOps = {
  download: downloadToFile,
  extract: extractBundle,
  loadAppSpec,
  install: installRevision,
};

/** The lifecycle deps that fetch revisions from any source and apply retention. */
export function revisionSources(maxRevisions?: number): Pick<LifecycleDeps, 'fetchRevision' | 'pruneDeployments'> {
  return {
    fetchRevision,
    pruneDeployments: ({ groupDir, currentDir, lastSuccessfulDir }) =>
      pruneGroup({ groupDir, keep: [currentDir, lastSuccessfulDir], ...(maxRevisions === undefined ? {} : { maxRevisions }) }),
  };
}
