/**
 * Revisions: an uploaded bundle of an application, stored by content address.
 */
import type { BundleType, ExternalRevisionLocation, RevisionSignature } from '../../../protocol/src/index.ts';

/** One stored revision. */
export interface RevisionRow {
  revisionId: string;
  applicationId: string;
  /** The content address in the artifact store; for an external revision, what agents check (absent: its ETag is checked). */
  sha256?: string;
  /** 0 when unknown (an external revision registered without it). */
  size: number;
  /** Where agents fetch an external revision (S3, https); absent: the coordinator's artifact store. */
  location?: ExternalRevisionLocation;
  bundleType: BundleType;
  description?: string;
  createdAt: string;
  /** Set once it was deleted: its bundle is gone, deployments of it keep their history. */
  deletedAt?: string;
  /** The operator's signature (PUT /v1/revisions/:id/signature), given to agents with the revision. */
  signature?: RevisionSignature;
}

/** What a caller supplies to register a revision. */
export type NewRevision = Omit<RevisionRow, 'revisionId' | 'deletedAt' | 'signature'>;

/** What uses a revision. */
export interface RevisionUsage {
  /** Unfinished deployments of it. */
  activeDeployments: string[];
  /** Groups whose last successful deployment deployed it (their rollback target). */
  lastGoodOfGroups: string[];
  /** Deployments of it, finished ones included. */
  deployments: number;
}

/** Reads and writes revisions. */
export interface RevisionRepository {
  /** Registers a revision and returns it with its new id. */
  insert(input: NewRevision): Promise<RevisionRow>;
  /** The revision with this id, if any. */
  get(revisionId: string): Promise<RevisionRow | undefined>;
  /** Every revision of an application, oldest first (deleted ones marked). */
  list(applicationId: string): Promise<RevisionRow[]>;
  /** What uses the revision. */
  usage(revisionId: string): Promise<RevisionUsage>;
  /**
   * Deletes the revision: the row goes when no deployment names it, else it is marked deleted at
   * `at`. Returns its content address and whether no other live revision has the same content.
   */
  remove(revisionId: string, at: string): Promise<{ sha256: string; unreferenced: boolean } | undefined>;
  /** Stores (or replaces: a re-signed rollback carries a higher counter) the revision's signature. */
  setSignature(revisionId: string, signature: RevisionSignature): Promise<void>;
}
