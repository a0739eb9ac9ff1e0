/**
 * The concrete revision handling the lifecycle drives, shared by `run` and `local`: the bundle
 * sources, retention at DownloadBundle, the appspec loader and the installer.
 */
import { loadAppSpec, type AppSpecLoadOptions } from '../appspec/load.ts';
import type { MinisignPublicKey } from '../../../common/src/minisign.ts';
import type { DeploySpec } from '../../../protocol/src/schemas.ts';
import { checkRevisionSignature } from '../bundle/signature-check.ts';
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
  /** Operator keys revisions must be signed with, and where installed counters are kept. @default none: signatures are not checked */
  trust?: { keys: readonly MinisignPublicKey[]; counters: RevisionCounters };
}

/** Where the highest installed counter per application is kept (the journal). */
export interface RevisionCounters {
  highestCounter(application: string): number | undefined;
  recordCounter(application: string, counter: number): void;
}

/** The real revision modules. */
export function revisionOps(wiring: RevisionWiring = {}): RevisionOps {
  const { maxRevisions, download, appSpec, trust } = wiring;
  const verify = trust && trust.keys.length > 0 ? { keys: trust.keys, highestCounter: (app: string) => trust.counters.highestCounter(app) } : undefined;
  return {
    fetch: (input) =>
      fetchRevision({
        ...input,
        ...download,
        ...(verify ? { checkBundle: (sha256: string) => void checkRevisionSignature(verify, { application: input.application, sha256, signature: input.revision.signature }) } : {}),
      }),
    // Counters are kept only when signatures are checked: an unchecked one could block later deployments.
    ...(verify ? { onInstalled: (app: string, revision: DeploySpec['revision']) => revision.signature && trust?.counters.recordCounter(app, revision.signature.counter) } : {}),
    prune: ({ groupDir, currentDir, lastSuccessfulDir }) =>
      pruneGroup({ groupDir, keep: [currentDir, lastSuccessfulDir], ...(maxRevisions === undefined ? {} : { maxRevisions }) }),
    loadAppSpec: (archiveDir, os) => loadAppSpec(archiveDir, os, appSpec),
    install: installRevision,
  };
}
