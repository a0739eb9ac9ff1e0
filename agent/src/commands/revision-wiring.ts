/**
 * The concrete revision handling the lifecycle drives, shared by `run` and `local`: the bundle
 * sources, retention at DownloadBundle, the appspec loader and the installer.
 */
import { loadAppSpec, type AppSpecLoadOptions } from '../appspec/load.ts';
import { fetchRevision, type FetchRevisionOptions } from '../bundle/sources.ts';
import { installRevision } from '../install/install.ts';
import type { RevisionOps } from '../lifecycle/types.ts';
import { pruneGroup } from '../maintenance/retention.ts';

/** How the real revision modules are set up. */
export interface RevisionWiring {
  /** Deployment folders kept per group. @default 5 (maintenance/retention.ts) */
  maxRevisions?: number;
  /** How remote bundle downloads give up and retry. @default 60 s stall, retries after 2, 8, 30 s */
  download?: Pick<FetchRevisionOptions, 'stallMs' | 'retryDelaysMs'>;
  /** How appspecs are found and read. @default appspec.yml then appspec.yaml, octal modes as Deckhand reads them */
  appSpec?: AppSpecLoadOptions;
}

/** The real revision modules. */
export function revisionOps(wiring: RevisionWiring = {}): RevisionOps {
  const { maxRevisions, download, appSpec } = wiring;
  return {
    fetch: (input) => fetchRevision({ ...input, ...download }),
    prune: ({ groupDir, currentDir, lastSuccessfulDir }) =>
      pruneGroup({ groupDir, keep: [currentDir, lastSuccessfulDir], ...(maxRevisions === undefined ? {} : { maxRevisions }) }),
    loadAppSpec: (archiveDir, os) => loadAppSpec(archiveDir, os, appSpec),
    install: installRevision,
  };
}
